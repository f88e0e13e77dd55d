"""The auditable SLA clock: business time, pausing statuses, vendor due dates and the four states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskpulse.domain.sla import (
    BusinessCalendar,
    ClientSla,
    ClockState,
    Segment,
    SegmentKind,
    SlaPolicySet,
    TargetKind,
    Transition,
    WeeklyHours,
    sla_clock,
)
from deskpulse.domain.tickets import Priority, StatusCategory

AMS = ZoneInfo("Europe/Amsterdam")
H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)
CAT = StatusCategory
OFFICE = BusinessCalendar(AMS, WeeklyHours.weekdays("09:00-18:00"), holiday_country="NL")
ALWAYS = BusinessCalendar("UTC", WeeklyHours.always())


def ams(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=AMS)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def test_sla_clock_of_a_friday_evening_ticket_stands_still_over_the_weekend() -> None:
    clock = sla_clock(created_at=ams(3, 27, 17, 55), calendar=OFFICE, target=H, now=ams(3, 30, 9, 30))
    assert clock.due_at == ams(3, 30, 9, 55)
    assert clock.elapsed_business_seconds == 35 * 60
    assert clock.remaining_seconds == 25 * 60
    assert clock.state is ClockState.AT_RISK
    assert clock.breached_at is None
    assert clock.segments == (
        Segment(utc(ams(3, 27, 17, 55)), utc(ams(3, 27, 18)), SegmentKind.RUNNING),
        Segment(utc(ams(3, 27, 18)), utc(ams(3, 30, 9)), SegmentKind.CLOSED_HOURS),
        Segment(utc(ams(3, 30, 9)), utc(ams(3, 30, 9, 30)), SegmentKind.RUNNING),
    )


def test_sla_clock_is_due_on_tuesday_when_monday_is_a_holiday() -> None:
    clock = sla_clock(created_at=ams(5, 22, 17, 55), calendar=OFFICE, target=H, now=ams(5, 23, 12))
    assert clock.due_at == ams(5, 26, 9, 55)


def test_sla_clock_pauses_while_waiting_on_customer_and_the_due_time_moves_by_the_paused_business_time() -> None:
    created, now = ams(3, 2, 9), ams(3, 4, 12)
    paused = [Transition(ams(3, 2, 10), CAT.WAITING_ON_CUSTOMER), Transition(ams(3, 2, 12), CAT.OPEN)]
    running = sla_clock(created_at=created, calendar=OFFICE, target=8 * H, now=now)
    waited = sla_clock(created_at=created, calendar=OFFICE, target=8 * H, now=now, transitions=paused)
    assert running.due_at == ams(3, 2, 17)
    assert waited.due_at == ams(3, 3, 10)
    assert OFFICE.business_time(running.due_at, waited.due_at) == 2 * H
    assert running.elapsed_business_seconds - waited.elapsed_business_seconds == 2 * 3600
    assert Segment(utc(ams(3, 2, 10)), utc(ams(3, 2, 12)), SegmentKind.PAUSED_STATUS) in waited.segments


def test_a_pause_spanning_the_night_is_shown_as_a_pause_not_as_closed_hours() -> None:
    history = [(ams(3, 2, 17), CAT.WAITING_ON_CUSTOMER), (ams(3, 3, 11), CAT.OPEN)]
    clock = sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=24 * H, now=ams(3, 3, 12), transitions=history)
    assert [s.kind for s in clock.segments] == [SegmentKind.RUNNING, SegmentKind.PAUSED_STATUS, SegmentKind.RUNNING]
    assert clock.elapsed_business_seconds == 9 * 3600


def test_only_the_configured_statuses_pause_the_clock_and_an_explicit_flag_always_counts() -> None:
    on_hold = [(ams(3, 2, 10), CAT.ON_HOLD), (ams(3, 2, 11), CAT.OPEN)]
    default = sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=8 * H, now=ams(3, 2, 12), transitions=on_hold)
    assert default.elapsed_business_seconds == 3 * 3600
    configured = sla_clock(
        created_at=ams(3, 2, 9),
        calendar=OFFICE,
        target=8 * H,
        now=ams(3, 2, 12),
        transitions=on_hold,
        pausing={CAT.WAITING_ON_CUSTOMER, CAT.ON_HOLD, CAT.WAITING_ON_THIRD_PARTY},
    )
    assert configured.elapsed_business_seconds == 2 * 3600
    flagged = [(ams(3, 2, 11), True), (ams(3, 2, 11, 30), False)]
    clock = sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=8 * H, now=ams(3, 2, 12), transitions=flagged)
    assert clock.elapsed_business_seconds == int(2.5 * 3600)


def test_transitions_are_ordered_by_time_and_one_before_creation_sets_the_starting_status() -> None:
    history = [(ams(3, 2, 11), CAT.OPEN), (ams(3, 1, 8), CAT.WAITING_ON_CUSTOMER)]
    clock = sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=8 * H, now=ams(3, 2, 12), transitions=history)
    assert clock.elapsed_business_seconds == 3600
    assert clock.segments[0] == Segment(utc(ams(3, 2, 9)), utc(ams(3, 2, 11)), SegmentKind.PAUSED_STATUS)


@pytest.mark.parametrize(
    ("completed", "state"),
    [
        (ams(3, 2, 9, 59, 59), ClockState.MET),
        (ams(3, 2, 10), ClockState.MET),
        (ams(3, 2, 10, 0, 1), ClockState.BREACHED),
        (ams(3, 3, 15), ClockState.BREACHED),
    ],
)
def test_a_target_completed_by_its_due_time_is_met_and_after_it_breached(completed: datetime, state: str) -> None:
    clock = sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=H, now=ams(3, 10), completed_at=completed)
    assert clock.state is state
    assert clock.completed_at == completed
    assert clock.breached_at == (ams(3, 2, 10) if state is ClockState.BREACHED else None)


def test_an_open_target_past_its_due_time_is_breached_with_negative_remaining_business_time() -> None:
    clock = sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=H, now=ams(3, 3, 9, 30))
    assert clock.state is ClockState.BREACHED
    assert clock.breached_at == ams(3, 2, 10)
    assert clock.remaining_seconds == -(8 * 3600 + 30 * 60)


def test_a_target_due_exactly_at_closing_is_breached_overnight_with_zero_business_time_left() -> None:
    clock = sla_clock(created_at=ams(3, 2, 17), calendar=OFFICE, target=H, now=ams(3, 2, 20))
    assert clock.due_at == ams(3, 2, 18)
    assert clock.state is ClockState.BREACHED
    assert clock.remaining_seconds == 0


@pytest.mark.parametrize(
    ("target", "now", "state", "why"),
    [
        (2 * H, ams(3, 2, 10), ClockState.OK, "exactly 60 minutes of a 2 h target left"),
        (2 * H, ams(3, 2, 10, 0, 1), ClockState.AT_RISK, "one second under 60 minutes left"),
        (8 * H, ams(3, 2, 15), ClockState.OK, "exactly 25 % (2 h) of an 8 h target left"),
        (8 * H, ams(3, 2, 15, 0, 1), ClockState.AT_RISK, "one second under 25 % left"),
        (8 * H, ams(3, 2, 17), ClockState.AT_RISK, "zero left is at risk, not yet breached"),
        (8 * H, ams(3, 2, 17, 0, 1), ClockState.BREACHED, "one second past the due time"),
    ],
)
def test_the_state_boundaries_of_a_running_clock(target: timedelta, now: datetime, state: str, why: str) -> None:
    assert sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=target, now=now).state is state, why


def test_a_vendor_due_time_wins_over_the_computed_one() -> None:
    created = ams(3, 2, 9)
    computed = sla_clock(created_at=created, calendar=OFFICE, target=8 * H, now=ams(3, 2, 12))
    assert computed.state is ClockState.OK
    earlier = sla_clock(
        created_at=created, calendar=OFFICE, target=8 * H, now=ams(3, 2, 12), vendor_due_at=ams(3, 2, 11)
    )
    assert earlier.vendor_due
    assert (earlier.state, earlier.due_at, earlier.breached_at) == (ClockState.BREACHED, ams(3, 2, 11), ams(3, 2, 11))
    assert earlier.remaining_seconds == -3600
    later = sla_clock(
        created_at=created,
        calendar=OFFICE,
        target=8 * H,
        now=ams(3, 3, 12),
        completed_at=ams(3, 3, 11),
        vendor_due_at=ams(3, 3, 17),
    )
    assert later.state is ClockState.MET
    assert later.remaining_seconds == 6 * 3600


def test_a_vendor_due_time_alone_is_enough_for_a_clock() -> None:
    clock = sla_clock(
        created_at=ams(3, 2, 9), calendar=OFFICE, target=None, now=ams(3, 2, 16), vendor_due_at=ams(3, 2, 17)
    )
    assert clock.state is ClockState.OK
    assert clock.target is None


def test_a_client_calendar_override_changes_the_due_time() -> None:
    policies = SlaPolicySet(OFFICE, clients={"night-owls": ClientSla(calendar=ALWAYS)})
    for client, due in [("night-owls", ams(3, 27, 18, 55)), ("day-shift", ams(3, 30, 9, 55))]:
        sla = policies.resolve(client, Priority.URGENT)
        target = sla.targets.get(TargetKind.FIRST_RESPONSE)
        clock = sla_clock(created_at=ams(3, 27, 17, 55), calendar=sla.calendar, target=target, now=ams(3, 27, 18))
        assert clock.due_at == due, client


def test_clock_inputs_are_validated() -> None:
    with pytest.raises(ValueError, match="target or a vendor due"):
        sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=None, now=ams(3, 2, 10))
    with pytest.raises(ValueError, match="positive"):
        sla_clock(created_at=ams(3, 2, 9), calendar=OFFICE, target=timedelta(0), now=ams(3, 2, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        sla_clock(created_at=datetime(2026, 3, 2, 9), calendar=OFFICE, target=H, now=ams(3, 2, 10))
