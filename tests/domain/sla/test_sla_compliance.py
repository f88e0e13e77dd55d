"""SLA compliance of a month: met / (met + breached) of the targets decided in it, per kind, priority and client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskpulse.domain.sla import (
    BusinessCalendar,
    SlaRecord,
    TargetKind,
    WeeklyHours,
    compliance,
    compliance_by_kind,
    sla_clock,
)
from deskpulse.domain.sla.compliance import NO_SLA_REASON, NOTHING_DECIDED_REASON
from deskpulse.domain.tickets import Priority

H = timedelta(hours=1)
ALWAYS = BusinessCalendar("UTC", WeeklyHours.always())
MARCH = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
FEBRUARY = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)
RESPONSE = TargetKind.FIRST_RESPONSE


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def response(created: datetime, responded: datetime | None, priority: Priority | None, client: str | None) -> SlaRecord:
    """A first-response record with a 4 h target on a 24/7 calendar (due 4 h after creation)."""
    clock = sla_clock(created_at=created, calendar=ALWAYS, target=4 * H, now=NOW, completed_at=responded)
    return SlaRecord(RESPONSE, clock, priority, client)


# The hand-built month, with the outcome each ticket contributes to March:
MONTH = [
    response(at(3, 2, 9), at(3, 2, 10), Priority.URGENT, "acme"),  # A met in March
    response(at(3, 5, 9), at(3, 5, 12), Priority.HIGH, "acme"),  # B met in March
    response(at(2, 28, 22), at(3, 1, 1), Priority.HIGH, "globex"),  # C created in Feb, met in March
    response(at(3, 10, 9), at(3, 10, 15), Priority.HIGH, "globex"),  # D breached at 13:00, closed later
    response(at(3, 20, 9), None, Priority.LOW, "acme"),  # E still open, breached on 20 March
    response(at(3, 31, 10), None, Priority.LOW, "acme"),  # F open, 2 h of 4 h left: pending
    response(at(3, 31, 8, 30), None, None, "globex"),  # G open, 30 min left: at risk
    SlaRecord(RESPONSE, None, Priority.MEDIUM, "acme"),  # H has no SLA: excluded
    response(at(2, 27, 9), at(3, 2, 9), Priority.URGENT, "globex"),  # I breached on 27 Feb, closed in March
    SlaRecord(
        TargetKind.RESOLUTION,
        sla_clock(created_at=at(3, 2, 9), calendar=ALWAYS, target=8 * H, now=NOW),
        Priority.URGENT,
        "acme",
    ),  # J a resolution target (breached): counted under its own kind only
]


def test_the_compliance_rate_of_a_hand_built_month() -> None:
    report = compliance(MONTH, RESPONSE, *MARCH)
    # Decided in March: met A, B, C (3); breached D, E (2). I breached in February; F, G undecided; H no SLA.
    # rate = 3 / (3 + 2) = 0.6
    overall = report.overall
    assert (overall.met, overall.breached, overall.at_risk, overall.pending, overall.no_sla) == (3, 2, 1, 1, 1)
    assert overall.rate == pytest.approx(0.6)
    assert overall.reason is None


def test_a_breach_counts_in_the_month_it_happened_even_when_closed_later() -> None:
    february = compliance(MONTH, RESPONSE, *FEBRUARY).overall
    # Only I was decided in February (breached 27 Feb 13:00); C was answered on 1 March. rate = 0 / (0 + 1) = 0.
    assert (february.met, february.breached, february.rate) == (0, 1, 0.0)


def test_the_breakdowns_per_priority_and_per_client() -> None:
    report = compliance(MONTH, RESPONSE, *MARCH)
    # HIGH: B, C met and D breached -> 2 / 3. URGENT: A met (I is February's) -> 1 / 1. LOW: E breached -> 0 / 1.
    assert report.by_priority[Priority.HIGH].rate == pytest.approx(2 / 3)
    assert report.by_priority[Priority.URGENT].rate == 1.0
    assert report.by_priority[Priority.LOW].rate == 0.0
    # No priority: only G, which is at risk and undecided -> no rate, and a reason instead of a number.
    assert report.by_priority[None].rate is None
    assert report.by_priority[None].reason == NOTHING_DECIDED_REASON
    assert report.by_priority[None].at_risk == 1
    # MEDIUM: only H, which has no SLA.
    assert report.by_priority[Priority.MEDIUM].reason == NO_SLA_REASON
    # acme: A, B met, E breached -> 2 / 3. globex: C met, D breached -> 1 / 2.
    assert report.by_client["acme"].rate == pytest.approx(2 / 3)
    assert report.by_client["globex"].rate == pytest.approx(1 / 2)


def test_target_kinds_are_reported_separately() -> None:
    reports = compliance_by_kind(MONTH, *MARCH)
    assert set(reports) == {TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION}
    resolution = reports[TargetKind.RESOLUTION].overall
    assert (resolution.met, resolution.breached, resolution.rate) == (0, 1, 0.0)
    assert reports[TargetKind.FIRST_RESPONSE].overall.rate == pytest.approx(0.6)


def test_no_rate_is_invented_when_nothing_was_decided() -> None:
    empty = compliance([], RESPONSE, *MARCH).overall
    assert (empty.rate, empty.reason) == (None, NO_SLA_REASON)
    april = compliance(MONTH, RESPONSE, at(4, 1), at(5, 1)).overall
    assert (april.rate, april.reason, april.decided) == (None, NOTHING_DECIDED_REASON, 0)
    with pytest.raises(ValueError, match="period"):
        compliance(MONTH, RESPONSE, at(4, 1), at(4, 1))
