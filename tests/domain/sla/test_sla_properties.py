"""Properties of business-time arithmetic and of the clock that must hold for any calendar and any ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from deskpulse.domain.sla import BusinessCalendar, SegmentKind, WeeklyHours, sla_clock
from deskpulse.domain.tickets import StatusCategory

CALENDARS = [
    BusinessCalendar("Europe/Amsterdam", WeeklyHours.weekdays("09:00-18:00"), holiday_country="NL"),
    BusinessCalendar(
        "Europe/Amsterdam", {"mon": "08:00-12:00, 13:00-17:30", "wed": "00:00-24:00", "sun": "01:30-03:15"}
    ),
    BusinessCalendar("Europe/Amsterdam", WeeklyHours.always()),
    BusinessCalendar("America/New_York", WeeklyHours.weekdays("07:00-19:00"), holiday_country="US"),
]
# Keep the suite fast: the calendars cache their days, and a few dozen examples per property suffice.
FAST = settings(max_examples=60, deadline=None)

calendars = st.sampled_from(CALENDARS)
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=120)).map(
    lambda d: timedelta(seconds=round(d.total_seconds()))
)
statuses = st.sampled_from(list(StatusCategory)) | st.booleans()
histories = st.lists(
    st.tuples(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), statuses), max_size=8
)


@FAST
@given(calendar=calendars, start=instants, duration=durations)
def test_business_time_up_to_the_due_time_is_the_duration(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add_business_time(start, duration)
    assert due >= start
    assert calendar.business_time(start, due) == duration


@FAST
@given(calendar=calendars, points=st.lists(instants, min_size=3, max_size=3))
def test_business_time_adds_up_over_a_split_point(calendar: BusinessCalendar, points: list[datetime]) -> None:
    a, b, c = sorted(points)
    assert calendar.business_time(a, c) == calendar.business_time(a, b) + calendar.business_time(b, c)


@FAST
@given(calendar=calendars, start=instants, first=durations, second=durations)
def test_the_due_time_is_monotonic_in_the_target(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    small, large = sorted((first, second))
    assert calendar.add_business_time(start, small) <= calendar.add_business_time(start, large)


@FAST
@given(calendar=calendars, start=instants, span=durations)
def test_business_time_never_exceeds_wall_clock_time(
    calendar: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    assert timedelta(0) <= calendar.business_time(start, start + span) <= span


@FAST
@given(calendar=calendars, at=instants)
def test_is_open_agrees_with_the_open_intervals(calendar: BusinessCalendar, at: datetime) -> None:
    around = calendar.open_intervals(at - timedelta(days=2), at + timedelta(days=2))
    assert calendar.is_open(at) == any(iv.start <= at < iv.end for iv in around)


@FAST
@given(
    calendar=calendars,
    created=instants,
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    history=histories,
    target=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=80)),
)
def test_pausing_never_increases_elapsed_time_and_segments_account_for_every_second(
    calendar: BusinessCalendar,
    created: datetime,
    age: timedelta,
    history: list[tuple[timedelta, StatusCategory | bool]],
    target: timedelta,
) -> None:
    now = created + age
    transitions = [(created + offset, status) for offset, status in history]
    plain = sla_clock(created_at=created, calendar=calendar, target=target, now=now)
    paused = sla_clock(created_at=created, calendar=calendar, target=target, now=now, transitions=transitions)

    assert paused.elapsed_business_seconds <= plain.elapsed_business_seconds
    assert paused.elapsed_business_seconds <= age.total_seconds()
    assert paused.due_at >= plain.due_at
    # The segments tile [created, now] without gaps, and the running ones are exactly the elapsed time.
    segments = paused.segments
    assert all(s.end == t.start for s, t in pairwise(segments))
    if segments:
        assert (segments[0].start, segments[-1].end) == (created, now)
    running = sum((s.end - s.start for s in segments if s.kind is SegmentKind.RUNNING), timedelta(0))
    assert running // timedelta(seconds=1) == paused.elapsed_business_seconds
