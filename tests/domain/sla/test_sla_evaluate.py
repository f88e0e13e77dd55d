"""The fast evaluator agrees with the full auditable clock, and the timeline with the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from deskpulse.domain.sla import BusinessCalendar, ClockState, TargetKind, WeeklyHours, sla_clock
from deskpulse.domain.sla.clock import Transition
from deskpulse.domain.sla.evaluate import Evaluator, TargetInput
from deskpulse.domain.sla.timeline import BusinessTimeline
from deskpulse.domain.tickets import StatusCategory

NOW = datetime(2026, 3, 30, 11, 17, tzinfo=UTC)  # the day after the spring DST change in Amsterdam
CALENDARS = [
    BusinessCalendar("Europe/Amsterdam", WeeklyHours.weekdays("09:00-18:00"), holiday_country="NL"),
    BusinessCalendar("Europe/Amsterdam", {"mon": "08:00-12:00, 13:00-17:30", "thu": "00:00-24:00"}),
    BusinessCalendar("America/New_York", WeeklyHours.always()),
]
# Deliberately narrower than the instants drawn below, so the fallbacks outside the window are exercised too.
WINDOW = (NOW - timedelta(days=20), NOW + timedelta(days=10))
minutes = st.integers(min_value=-60 * 24 * 40, max_value=60 * 24 * 20)


def at(offset_minutes: int) -> datetime:
    return NOW + timedelta(minutes=offset_minutes)


@settings(max_examples=150, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    created=st.integers(min_value=-60 * 24 * 40, max_value=0),
    target_minutes=st.one_of(st.none(), st.integers(min_value=1, max_value=60 * 80)),
    completed=st.one_of(st.none(), minutes),
    vendor=st.one_of(st.none(), minutes),
)
def test_the_fast_path_matches_the_full_clock(
    calendar: BusinessCalendar, created: int, target_minutes: int | None, completed: int | None, vendor: int | None
) -> None:
    if target_minutes is None and vendor is None:
        vendor = 60
    target = timedelta(minutes=target_minutes) if target_minutes is not None else None
    completed_at = at(max(created, completed)) if completed is not None and at(completed) <= NOW else None
    vendor_due = at(vendor) if vendor is not None else None
    item = TargetInput(TargetKind.RESOLUTION, at(created), target, completed_at, vendor_due)
    fast = Evaluator(BusinessTimeline(calendar, *WINDOW), NOW).evaluate(item)
    full = sla_clock(created_at=at(created), calendar=calendar, target=target, now=NOW,
                     completed_at=completed_at, vendor_due_at=vendor_due)  # fmt: skip
    assert (fast.state, fast.due_at, fast.remaining_seconds, fast.elapsed_business_seconds) == (
        full.state, full.due_at, full.remaining_seconds, full.elapsed_business_seconds,
    )  # fmt: skip
    assert fast.breached_at == full.breached_at


@settings(max_examples=150, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), a=minutes, b=minutes, hours=st.integers(min_value=0, max_value=100))
def test_the_timeline_answers_like_the_calendar(calendar: BusinessCalendar, a: int, b: int, hours: int) -> None:
    timeline = BusinessTimeline(calendar, *WINDOW)
    assert timeline.business_time(at(a), at(b)) == calendar.business_time(at(a), at(b))
    assert timeline.add(at(a), timedelta(hours=hours)) == calendar.add_business_time(at(a), timedelta(hours=hours))


def test_a_paused_ticket_takes_the_full_clock_and_says_it_is_paused() -> None:
    calendar = CALENDARS[0]
    created = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 local
    waiting = [Transition(created + timedelta(hours=1), StatusCategory.WAITING_ON_CUSTOMER)]
    item = TargetInput(TargetKind.RESOLUTION, created, timedelta(hours=2), None, None)
    result = Evaluator(BusinessTimeline(calendar, *WINDOW), created + timedelta(hours=5)).evaluate(item, waiting)
    assert result.paused
    assert result.elapsed_business_seconds == 3600, "only the hour before the pause counts"
    # One hour of two left: exactly 60 minutes is not yet at risk, and 50 % is above the 25 % threshold.
    assert (result.state, result.remaining_seconds) == (ClockState.OK, 3600)


def test_a_met_and_a_breached_target() -> None:
    calendar = CALENDARS[0]
    created = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    evaluator = Evaluator(BusinessTimeline(calendar, *WINDOW), created + timedelta(hours=5))
    met = evaluator.evaluate(
        TargetInput(TargetKind.FIRST_RESPONSE, created, timedelta(hours=1), created + timedelta(minutes=59), None)
    )
    late = evaluator.evaluate(
        TargetInput(TargetKind.FIRST_RESPONSE, created, timedelta(hours=1), created + timedelta(minutes=61), None)
    )
    assert met.state is ClockState.MET and met.breached_at is None
    assert late.state is ClockState.BREACHED and late.breached_at == created + timedelta(hours=1)


statuses = st.sampled_from(
    [StatusCategory.OPEN, StatusCategory.WAITING_ON_CUSTOMER, StatusCategory.ON_HOLD, StatusCategory.ASSIGNED]
)


@settings(max_examples=200, deadline=None)
@given(
    calendar=st.sampled_from(CALENDARS),
    created=st.integers(min_value=-60 * 24 * 30, max_value=0),
    target_minutes=st.integers(min_value=1, max_value=60 * 60),
    changes=st.lists(st.tuples(st.integers(min_value=-60 * 24 * 30, max_value=60), statuses), max_size=6),
    completed=st.one_of(st.none(), st.integers(min_value=-60 * 24 * 30, max_value=0)),
    vendor=st.one_of(st.none(), minutes),
)
def test_with_pauses_the_fast_path_still_matches_the_full_clock(
    calendar: BusinessCalendar, created: int, target_minutes: int, changes: list[tuple[int, StatusCategory]],
    completed: int | None, vendor: int | None,
) -> None:  # fmt: skip
    target = timedelta(minutes=target_minutes)
    transitions = [Transition(at(m), s) for m, s in changes if m >= created]
    completed_at = at(max(created, completed)) if completed is not None else None
    vendor_due = at(vendor) if vendor is not None else None
    item = TargetInput(TargetKind.RESOLUTION, at(created), target, completed_at, vendor_due)
    pausing = frozenset({StatusCategory.WAITING_ON_CUSTOMER, StatusCategory.ON_HOLD})
    fast = Evaluator(BusinessTimeline(calendar, *WINDOW), NOW, pausing=pausing).evaluate(item, transitions)
    full = sla_clock(created_at=at(created), calendar=calendar, target=target, now=NOW, transitions=transitions,
                     completed_at=completed_at, vendor_due_at=vendor_due, pausing=pausing)  # fmt: skip
    assert (fast.state, fast.due_at, fast.remaining_seconds, fast.elapsed_business_seconds) == (
        full.state, full.due_at, full.remaining_seconds, full.elapsed_business_seconds,
    )  # fmt: skip
