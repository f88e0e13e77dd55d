"""The simulators' report data looks like a real desk's: some tickets without logged time, billable and
non-billable work, satisfaction answers across the scale with occasional comments, SLA results met and missed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from deskpulse.simulators import freshservice_records as records
from deskpulse.simulators.autotask import AutotaskScenario
from deskpulse.simulators.freshservice import FreshserviceScenario

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_freshservice_seeds_varied_time_entries_and_survey_answers() -> None:
    scenario = FreshserviceScenario(2, active_tickets=100, history_days=20, resolved_per_day=20, now=NOW)
    tickets = list(scenario.tickets.values())
    worked = [t for t in tickets if scenario.stats[t["id"]]["outbound_count"] > 0]
    entries = {t["id"]: records.time_entries(scenario, t) for t in worked}
    without = sum(1 for rows in entries.values() if not rows)
    assert 0.08 < without / len(worked) < 0.3  # about one in six has no time logged
    billable = Counter(e["billable"] for rows in entries.values() for e in rows)
    assert billable[True] > billable[False] > 0
    assert any(e["time_spent"] >= "01:00" for rows in entries.values() for e in rows)
    answers = [a for t in tickets if (a := records.csat_response(scenario, t)) is not None]
    assert len({a["overall_rating"] for a in answers}) == 4
    with_comment = [a for a in answers if len(a["questionnaire_responses"]) > 1]
    assert 0 < len(with_comment) < len(answers)
    assert all(t["status"] in (4, 5) for t in tickets if records.csat_response(scenario, t) is not None)


def test_autotask_seeds_billable_and_non_billable_entries_and_sla_verdicts_both_ways() -> None:
    scenario = AutotaskScenario(now=NOW)
    entries = list(scenario.store["TimeEntries"].values())
    assert Counter(e["isNonBillable"] for e in entries)[True] > 0
    assert all(e["hoursToBill"] == 0 for e in entries if e["isNonBillable"])
    finished = [t for t in scenario.tickets.values() if t["status"] == 5]
    logged = {e["ticketID"] for e in entries}
    assert 0 < sum(1 for t in finished if t["id"] not in logged) < len(finished) / 3  # some forgotten, not most
    verdicts = Counter(r["resolutionMet"] for r in scenario.store["ServiceLevelAgreementResults"].values())
    assert verdicts[True] > 0 and verdicts[False] > 0
