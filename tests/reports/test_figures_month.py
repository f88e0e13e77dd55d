"""The report figures of a hand-built client month (tests/report_month_support.py), each figure worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from deskpulse.reports.figures import compute_report_figures
from deskpulse.reports.period import parse_period
from deskpulse.store.db import Database
from report_month_support import CONFIG, NOW, H, build_month

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def october(db: Database) -> dict[str, Any]:
    build_month(db)
    with db.session() as session:
        return compute_report_figures(session, CONFIG, "acme", parse_period("2026-10", AMS), now=NOW)


def test_october_in_amsterdam_is_31_days_and_an_hour_long_with_local_midnight_bounds(october: dict[str, Any]) -> None:
    period = parse_period("2026-10", AMS)
    assert period.duration == timedelta(days=31, hours=1)
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(days=31, hours=1)
    assert october["period"] == {"key": "2026-10", "label": "October 2026", "kind": "month",
                                 "start": "2026-10-01T00:00:00+02:00", "end": "2026-11-01T00:00:00+01:00"}  # fmt: skip
    assert october["client"] == {"key": "acme", "name": "Acme", "timezone": "Europe/Amsterdam"}
    assert october["generated_at"] == "2026-11-05T11:00:00+01:00"
    assert len(october["daily"]) == 31
    assert october["daily"][24]["date"] == "2026-10-25"


def test_tickets_crossing_the_month_boundaries_count_in_the_backlog(october: dict[str, Any]) -> None:
    # Opened: T2..T7. Resolved: T1 (opened in September), T3, T4 (once, though resolved twice), T5, T6.
    # Closed: T1 (4 Oct) and T3. Backlog at the start: T1. At the end: T7 and T2 (resolved 3 November).
    assert october["tickets"] == {"opened": 6, "resolved": 5, "closed": 2, "backlog_start": 1, "backlog_end": 2}
    daily = {d["date"]: (d["opened"], d["resolved"]) for d in october["daily"]}
    assert daily["2026-10-01"] == (1, 1)
    assert daily["2026-10-02"] == (0, 1)
    assert daily["2026-10-30"] == (1, 0)
    assert sum(o for o, _ in daily.values()) == 6
    assert sum(r for _, r in daily.values()) == 5


def test_breakdowns_count_the_tickets_opened_in_the_month_largest_first(october: dict[str, Any]) -> None:
    assert october["by_type"] == [{"name": "Incident", "count": 4}, {"name": "Service Request", "count": 2}]
    assert october["by_priority"] == [{"name": "low", "count": 2}, {"name": "urgent", "count": 2},
                                      {"name": "high", "count": 1}, {"name": "medium", "count": 1}]  # fmt: skip
    assert october["by_category"] == [{"name": "(none)", "count": 3}, {"name": "Network", "count": 2},
                                      {"name": "Email", "count": 1}]  # fmt: skip
    assert october["top_requesters"] == [
        {"name": "Ann Smith", "email": "ann@acme.test", "tickets": 3},
        {"name": "bob@acme.test", "email": "bob@acme.test", "tickets": 2},
        {"name": "Cara Jones", "email": "cara@acme.test", "tickets": 1},
    ]


def test_response_times_in_calendar_and_business_hours_across_the_dst_change(october: dict[str, Any]) -> None:
    # First responses in October: T3 30 min, T4 30 min, T5 1 h, T6 Fri 16:00 CEST -> Mon 09:30 CET, which is
    # 66.5 h of real time (the night of 25 October has 25 hours) and 1 h + 30 min of business time.
    assert october["times"]["first_response"] == {
        "count": 4,
        "median_s": (1800 + 3600) // 2,
        "average_s": (1800 + 1800 + 3600 + 66.5 * H) / 4,
        "business_median_s": (1800 + 3600) // 2,
        "business_average_s": (1800 + 1800 + 3600 + 5400) / 4,
    }


def test_resolution_times_leave_the_paused_clock_out_of_business_time(october: dict[str, Any]) -> None:
    # Calendar: T1 98 h, T3 2 h, T4 49 h, T5 53 h, T6 68 h. Business: T1 34 h (Mon 10:00 CEST to Fri 12:00),
    # T3 2 h, T4 17 h, T5 7 h (2 h + 5 h; 14 h waiting on the customer left out), T6 3 h (1 h Fri + 2 h Mon).
    calendar = [98 * H, 2 * H, 49 * H, 53 * H, 68 * H]
    business = [34 * H, 2 * H, 17 * H, 7 * H, 3 * H]
    assert october["times"]["resolution"] == {
        "count": 5,
        "median_s": 53 * H,
        "average_s": sum(calendar) / 5,
        "business_median_s": 7 * H,
        "business_average_s": sum(business) / 5,
    }


def test_sla_compliance_counts_targets_decided_in_the_month_with_the_breached_tickets_listed(
    october: dict[str, Any],
) -> None:
    sla = october["sla"]
    # Response: met T3, T4, T5, T6; breached T7 (due 28 Oct 10:00 CET).
    assert sla["response"] == {"met": 4, "breached": 1, "met_pct": 80.0}
    # Resolution: met T3, T4, T5 (only because of the pause: 21 business hours without it), T6; breached T1
    # (due 1 Oct 10:00 CEST, in October although the ticket was opened in September) and T7.
    assert sla["resolution"] == {"met": 4, "breached": 2, "met_pct": 66.7}
    assert sla["breached"] == [
        {"number": "#T1", "subject": "Ticket T1", "priority": "medium", "kind": "resolution",
         "due_at": "2026-10-01T10:00:00+02:00", "done_at": "2026-10-02T12:00:00+02:00", "overdue_s": 26 * H},
        {"number": "#T7", "subject": "Ticket T7", "priority": "urgent", "kind": "response",
         "due_at": "2026-10-28T10:00:00+01:00", "done_at": None, "overdue_s": 8 * 24 * H + H},
        {"number": "#T7", "subject": "Ticket T7", "priority": "urgent", "kind": "resolution",
         "due_at": "2026-10-28T13:00:00+01:00", "done_at": None, "overdue_s": 7 * 24 * H + 22 * H},
    ]  # fmt: skip


def test_reopen_rate_first_contact_resolution_and_csat(october: dict[str, Any]) -> None:
    assert october["reopened"] == {"resolved": 5, "count": 1, "pct": 20.0}
    # Replies known for T1 (3), T3 (1), T4 (2), T5 (1); T6's are unknown and left out.
    assert october["first_contact_resolution"] == {"resolved": 4, "count": 2, "pct": 50.0}
    # October answers: T3 5, T4 4, T5 2 (September's T0 and Globex's answer are not Acme's October).
    assert october["csat"] == {
        "responses": 3, "positive": 2, "pct": 66.7,
        "comments": [{"rating": 5, "comment": "Quick fix, thanks", "ticket": "#T3"},
                     {"rating": 2, "comment": "Took too long", "ticket": "#T5"}],
    }  # fmt: skip


def test_hours_count_work_done_in_local_october_per_agent(october: dict[str, Any]) -> None:
    # 5 h logged at 23:30 CEST on 30 September is September's; 0.5 h at 00:30 CEST on 1 October is October's.
    assert october["hours"] == {
        "billable": 4.75, "non_billable": 1.25, "total": 6.0,
        "by_agent": [{"name": "Ann Agent", "billable": 3.5, "non_billable": 0.5},
                     {"name": "Bob Agent", "billable": 1.25, "non_billable": 0.75}],
    }  # fmt: skip


def test_previous_month_is_september_for_the_comparison(october: dict[str, Any]) -> None:
    previous = october["previous"]
    assert previous["period"]["key"] == "2026-09"
    # September: T0 opened, resolved, closed; T1 opened and still open at its end.
    assert previous["tickets"] == {"opened": 2, "resolved": 1, "closed": 1, "backlog_start": 0, "backlog_end": 1}
    assert previous["sla"] == {"response_met_pct": 100.0, "resolution_met_pct": 100.0}
    assert previous["times"] == {"first_response_median_s": H, "resolution_median_s": 24 * H}
    assert previous["csat_pct"] == 0.0


def test_ticket_list_holds_the_month_s_tickets_and_the_open_ones_only(october: dict[str, Any]) -> None:
    numbers = [t["number"] for t in october["ticket_list"]]
    assert numbers == ["#T1", "#T3", "#T4", "#T5", "#T6", "#T7", "#T2"]
    first = october["ticket_list"][0]
    assert first == {"number": "#T1", "subject": "Ticket T1", "type": "Service Request", "priority": "medium",
                     "status": "closed", "requester": "bob@acme.test", "created_at": "2026-09-28T10:00:00+02:00",
                     "resolved_at": "2026-10-02T12:00:00+02:00"}  # fmt: skip


def test_the_document_is_json_and_names_its_source(october: dict[str, Any]) -> None:
    assert json.loads(json.dumps(october)) == october
    assert october["sources"] == [{"name": "desk", "kind": "trengo", "stale_since": None, "note": None}]
    assert october["uptime"] is None
    terms = {d["term"] for d in october["definitions"]}
    assert {"First response time", "SLA met", "Reopen rate", "First contact resolution"} <= terms


def test_a_range_and_a_quarter_count_their_own_days_and_compare_with_the_stretch_before(db: Database) -> None:
    build_month(db)
    with db.session() as session:
        first_half = compute_report_figures(
            session, CONFIG, "acme", parse_period("2026-10-01..2026-10-15", AMS), now=NOW
        )
        quarter = compute_report_figures(session, CONFIG, "acme", parse_period("2026-Q4", AMS), now=NOW)
    # 1-15 October: T3, T4, T5 opened; T1, T3, T4, T5 resolved; T1 open at the start, nothing at the end.
    assert first_half["tickets"] == {"opened": 3, "resolved": 4, "closed": 2, "backlog_start": 1, "backlog_end": 0}
    assert len(first_half["daily"]) == 15
    assert first_half["previous"]["period"]["key"] == "2026-09-16..2026-09-30"
    assert first_half["previous"]["tickets"]["opened"] == 1
    # Q4 (not over yet): T2 resolved on 3 November counts too; T7 is the backlog at its end.
    assert quarter["tickets"] == {"opened": 6, "resolved": 6, "closed": 2, "backlog_start": 1, "backlog_end": 1}
    assert len(quarter["daily"]) == 92
    assert quarter["previous"]["period"]["key"] == "2026-Q3"
    assert quarter["previous"]["tickets"]["opened"] == 3  # T8 (August), T0 and T1
