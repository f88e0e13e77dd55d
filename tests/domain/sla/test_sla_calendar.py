"""Business calendars: opening ranges in local wall-clock time, holidays, closures, DST and due-time maths."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deskpulse.domain.sla import BusinessCalendar, Interval, OpeningRange, WeeklyHours

AMS = ZoneInfo("Europe/Amsterdam")
H = timedelta(hours=1)
M = timedelta(minutes=1)

OFFICE = BusinessCalendar(AMS, WeeklyHours.weekdays("09:00-18:00"), holiday_country="NL")
LUNCH = BusinessCalendar(
    "Europe/Amsterdam",
    {"mon": ["09:00-12:00", "13:00-18:00"], "tue": "09:00-12:00, 13:00-18:00", "sat": "10:00-14:00"},
)
ALWAYS = BusinessCalendar("Europe/Amsterdam", WeeklyHours.always())


def ams(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


@pytest.mark.parametrize(
    ("start", "duration", "due", "why"),
    [
        (ams(3, 27, 17, 55), H, ams(3, 30, 9, 55), "Friday 17:55 + 1 h runs over the weekend"),
        (ams(5, 22, 17, 55), H, ams(5, 26, 9, 55), "Whit Monday 2026-05-25 is an NL holiday"),
        (ams(4, 2, 17, 55), H, ams(4, 7, 9, 55), "Good Friday and Easter Monday 2026-04-06 are NL holidays"),
        (ams(3, 28, 11, 0), H, ams(3, 30, 10, 0), "a Saturday start waits for Monday's opening"),
        (ams(3, 2, 7, 0), 30 * M, ams(3, 2, 9, 30), "before opening the clock starts at 09:00"),
        (ams(3, 2, 17, 0), H, ams(3, 2, 18, 0), "a target used up exactly at closing is due at closing"),
        (ams(3, 2, 9, 0), 72 * H, ams(3, 11, 18, 0), "72 business hours are eight 9-hour days"),
        (ams(3, 2, 12, 0), timedelta(0), ams(3, 2, 12, 0), "a zero duration is due at once"),
    ],
)
def test_add_business_time_gives_the_due_time_in_office_hours(
    start: datetime, duration: timedelta, due: datetime, why: str
) -> None:
    assert OFFICE.add_business_time(start, duration) == due, why
    assert OFFICE.business_time(start, due) == duration


def test_several_ranges_per_day_leave_the_lunch_break_closed() -> None:
    assert LUNCH.add_business_time(ams(3, 2, 11, 30), H) == ams(3, 2, 13, 30)
    assert LUNCH.business_time(ams(3, 2, 8), ams(3, 2, 19)) == 8 * H
    assert not LUNCH.is_open(ams(3, 2, 12, 30))
    assert LUNCH.is_open(ams(3, 2, 12, 59)) is False
    assert LUNCH.is_open(ams(3, 2, 13, 0))
    assert LUNCH.open_intervals(ams(3, 2, 10), ams(3, 2, 14)) == [
        Interval(ams(3, 2, 10).astimezone(UTC), ams(3, 2, 12).astimezone(UTC)),
        Interval(ams(3, 2, 13).astimezone(UTC), ams(3, 2, 14).astimezone(UTC)),
    ]
    # Wednesday to Friday are closed: Tuesday 17:30 + 1 h lands on Saturday's short day.
    assert LUNCH.add_business_time(ams(3, 3, 17, 30), H) == ams(3, 7, 10, 30)


def test_a_business_day_is_nine_wall_clock_hours_on_both_sides_of_a_dst_change() -> None:
    friday = OFFICE.open_intervals(ams(3, 27), ams(3, 28))
    monday = OFFICE.open_intervals(ams(3, 30), ams(3, 31))
    assert friday == [Interval(datetime(2026, 3, 27, 8, tzinfo=UTC), datetime(2026, 3, 27, 17, tzinfo=UTC))]
    assert monday == [Interval(datetime(2026, 3, 30, 7, tzinfo=UTC), datetime(2026, 3, 30, 16, tzinfo=UTC))]


def test_a_24_7_desk_has_a_23_hour_day_at_spring_forward_and_a_25_hour_day_at_fall_back() -> None:
    assert ALWAYS.business_time(ams(3, 29), ams(3, 30)) == 23 * H
    assert ALWAYS.business_time(ams(10, 25), ams(10, 26)) == 25 * H
    assert ALWAYS.add_business_time(ams(3, 28, 12), 24 * H) == ams(3, 29, 13)
    assert ALWAYS.add_business_time(ams(10, 24, 12), 24 * H) == ams(10, 25, 11)


def test_opening_hours_inside_the_changed_hour_follow_the_wall_clock() -> None:
    night = BusinessCalendar(AMS, {"sun": "01:00-04:00"})
    # 02:00-03:00 does not exist on 29 March and happens twice on 25 October.
    assert night.business_time(ams(3, 29), ams(3, 30)) == 2 * H
    assert night.business_time(ams(10, 25), ams(10, 26)) == 4 * H
    assert night.open_intervals(ams(3, 29), ams(3, 30)) == [
        Interval(datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 29, 2, tzinfo=UTC))
    ]
    gap_start = BusinessCalendar(AMS, {"sun": "02:30-05:00"})
    assert gap_start.open_intervals(ams(3, 29), ams(3, 30))[0].start == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_a_24_7_desk_is_one_open_interval_and_business_time_is_wall_time() -> None:
    start, end = ams(3, 27, 17, 55), ams(4, 3, 9, 0)
    assert ALWAYS.open_intervals(start, end) == [Interval(start.astimezone(UTC), end.astimezone(UTC))]
    # Across the spring-forward night: subtract in UTC (aware datetimes of one zone subtract as wall times).
    assert ALWAYS.business_time(start, end) == end.astimezone(UTC) - start.astimezone(UTC) == 158 * H + 5 * M
    assert ALWAYS.add_business_time(start, H) == start + H
    assert ALWAYS.is_open(ams(1, 1, 3))


def test_holidays_follow_the_country_and_subdivision() -> None:
    bavaria = BusinessCalendar("Europe/Berlin", WeeklyHours.weekdays(), holiday_country="DE", holiday_subdivision="BY")
    berlin = BusinessCalendar("Europe/Berlin", WeeklyHours.weekdays(), holiday_country="DE", holiday_subdivision="BE")
    corpus_christi = date(2026, 6, 4)
    assert bavaria.is_closed_date(corpus_christi)
    assert not berlin.is_closed_date(corpus_christi)
    assert OFFICE.is_closed_date(date(2026, 4, 6))
    assert not OFFICE.is_open(ams(4, 6, 10))


def test_custom_closed_dates_and_ranges_are_closed() -> None:
    closed = BusinessCalendar(
        AMS,
        WeeklyHours.weekdays("09:00-18:00"),
        closed_dates=[date(2026, 3, 30)],
        closed_ranges=[(ams(3, 31, 13), ams(3, 31, 15)), (ams(3, 31, 14), ams(3, 31, 16))],
    )
    assert closed.business_time(ams(3, 30), ams(3, 31)) == timedelta(0)
    assert closed.business_time(ams(3, 31), ams(4, 1)) == 6 * H
    assert closed.add_business_time(ams(3, 27, 17, 55), H) == ams(3, 31, 9, 55)
    assert closed.add_business_time(ams(3, 31, 12, 30), H) == ams(3, 31, 16, 30)


def test_a_calendar_without_opening_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="opening hours"):
        BusinessCalendar(AMS, {})


def test_a_calendar_closed_for_years_raises_instead_of_searching_forever() -> None:
    shut = BusinessCalendar(AMS, WeeklyHours.weekdays(), closed_ranges=[(ams(1, 1), ams(1, 1, year=2031))])
    with pytest.raises(ValueError, match="open time"):
        shut.add_business_time(ams(3, 2), H)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tz": "Mars/Olympus_Mons"},
        {"holiday_country": "XX"},
        {"holiday_country": "NL", "holiday_subdivision": "ZZ"},
        {"holiday_subdivision": "BY"},
        {"hours": {"mon": "18:00-09:00"}},
        {"hours": {"mon": "09:00-25:00"}},
        {"hours": {"mon": "09:00-12:00, 11:00-13:00"}},
        {"hours": {"funday": "09:00-12:00"}},
        {"hours": {"mon": "9 to 5"}},
    ],
)
def test_bad_calendar_settings_raise_a_value_error(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"tz": "Europe/Amsterdam", "hours": WeeklyHours.weekdays()} | kwargs
    with pytest.raises(ValueError):
        BusinessCalendar(**args)  # type: ignore[arg-type]


def test_naive_datetimes_and_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.is_open(datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add_business_time(ams(3, 2), -H)


def test_opening_ranges_parse_and_touching_ranges_merge() -> None:
    assert OpeningRange.parse("00:00-24:00") == OpeningRange(0, 86400)
    assert str(OpeningRange.parse("9:05-17:30")) == "09:05-17:30"
    hours = WeeklyHours.parse({0: ["09:00-12:00", "12:00-18:00"]})
    assert hours.days[0] == (OpeningRange(9 * 3600, 18 * 3600),)
    assert hours.weekly_seconds == 9 * 3600


def test_business_time_is_negative_when_the_end_comes_first() -> None:
    assert OFFICE.business_time(ams(3, 2, 12), ams(3, 2, 10)) == -2 * H
    assert OFFICE.business_seconds(ams(3, 2, 10), ams(3, 2, 12)) == 7200.0
