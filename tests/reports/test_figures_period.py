"""Report periods: months, quarters and day ranges parse, round-trip and tile time in any zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpulse.reports.period import MAX_RANGE_DAYS, PeriodError, day_range, month, parse_period, previous_month

# Zones with DST, half-hour shifts (Lord Howe), midnight jumps (Santiago) and odd offsets (Chatham).
ZONE_NAMES = ("Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC",
              "Pacific/Chatham")  # fmt: skip
ZONES = st.sampled_from([ZoneInfo(z) for z in ZONE_NAMES])
YEARS = st.integers(1970, 2998)
AMS = ZoneInfo("Europe/Amsterdam")


@given(YEARS, st.integers(1, 12), ZONES)
def test_any_month_parses_and_round_trips(year: int, number: int, tz: ZoneInfo) -> None:
    period = parse_period(f"{year:04d}-{number:02d}", tz)
    assert parse_period(period.key, tz) == period
    assert period.kind == "month"
    assert period.start.astimezone(tz).date() == date(year, number, 1)
    assert period.last_day.month == number and (period.last_day + timedelta(days=1)).day == 1
    assert period.previous().end == period.start  # months tile time without gaps or overlaps
    assert timedelta(days=27) < period.duration < timedelta(days=32)


@given(YEARS, st.integers(1, 4), ZONES)
def test_any_quarter_parses_and_round_trips(year: int, number: int, tz: ZoneInfo) -> None:
    period = parse_period(f"{year}-q{number}", tz)
    assert period.key == f"{year:04d}-Q{number}"
    assert parse_period(period.key, tz) == period
    assert period.first_day == date(year, 3 * number - 2, 1)
    assert (
        period.days
        == month(year, 3 * number - 2, tz).days
        + month(year, 3 * number - 1, tz).days
        + month(year, 3 * number, tz).days
    )
    assert period.previous().end == period.start


@given(st.dates(date(1970, 1, 1), date(2998, 1, 1)), st.integers(0, MAX_RANGE_DAYS - 1), ZONES)
def test_any_range_parses_and_round_trips(first: date, length: int, tz: ZoneInfo) -> None:
    last = first + timedelta(days=length)
    period = parse_period(f"{first.isoformat()}..{last.isoformat()}", tz)
    assert parse_period(period.key, tz) == period
    assert (period.first_day, period.last_day, len(period.days)) == (first, last, length + 1)
    assert period.start < period.end
    assert period.previous().end == period.start and len(period.previous().days) == length + 1


@given(st.datetimes(datetime(1971, 1, 1), datetime(2998, 1, 1), timezones=st.just(UTC)), ZONES)
def test_previous_month_is_the_whole_calendar_month_before_now_in_the_zone(now: datetime, tz: ZoneInfo) -> None:
    period = previous_month(now, tz)
    today = now.astimezone(tz).date()
    current = month(today.year, today.month, tz)
    assert period.kind == "month" and period.first_day.day == 1
    assert period.last_day + timedelta(days=1) == today.replace(day=1)
    # It ends exactly where the month holding `now` begins, so it is whole and wholly in the past.
    assert period.end == current.start
    assert current.start.astimezone(UTC) <= now < current.end.astimezone(UTC)


def test_previous_month_follows_the_client_s_zone_at_the_turn_of_the_month() -> None:
    # 31 Oct 23:30 UTC is already 1 November in Amsterdam but still October in New York.
    now = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    assert previous_month(now, AMS).key == "2026-10"
    assert previous_month(now, ZoneInfo("America/New_York")).key == "2026-09"
    assert previous_month(datetime(2027, 1, 5, tzinfo=UTC), AMS).key == "2026-12"


def test_labels_say_the_period_in_words() -> None:
    assert parse_period("2026-10", AMS).label == "October 2026"
    assert parse_period("2026-Q3", AMS).label == "Q3 2026"
    assert parse_period("2026-10-01..2026-10-15", AMS).label == "1 October 2026 – 15 October 2026"
    assert parse_period("2026-Q1", AMS).previous().key == "2025-Q4"
    assert parse_period("2026-01", AMS).previous().key == "2025-12"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "13 is not a month number"),
        ("2026-Q5", "is not a period"),
        ("October", "is not a period: give a month like 2026-10"),
        ("2026-10-15..2026-10-01", "ends (2026-10-01) before it starts (2026-10-15)"),
        ("2026-02-30..2026-03-01", "'2026-02-30' is not a date"),
        ("2020-01-01..2026-01-01", f"at most {MAX_RANGE_DAYS} days"),
        ("0001-01", "outside 1970..2999"),
    ],
)
def test_a_period_that_cannot_be_read_says_why(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        parse_period(text, AMS)


def test_a_day_range_of_one_day_across_the_autumn_change_is_25_hours() -> None:
    assert day_range(date(2026, 10, 25), date(2026, 10, 25), AMS).duration == timedelta(hours=25)
    assert day_range(date(2026, 3, 29), date(2026, 3, 29), AMS).duration == timedelta(hours=23)
