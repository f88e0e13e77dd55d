"""A business calendar: when a desk is open, and business-time arithmetic over it. Pure: no clock, no I/O.

Closed are: weekdays without opening ranges, public holidays of a country (from the ``holidays`` package,
by the calendar's local date), custom closed dates, and custom closed ranges of instants.
All public functions take and return aware datetimes; intervals come back in UTC.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from deskpulse.domain.sla.hours import HoursSpec, Interval, WeeklyHours, wall_to_utc

# How far add_business_time looks ahead before deciding that a calendar is never open.
MAX_SEARCH_DAYS = 3 * 366
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_CACHE_LIMIT = 8192


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping and non-touching intervals covering the same instants."""
    merged: list[Interval] = []
    for iv in sorted(i for i in intervals if i.end > i.start):
        if merged and iv.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, iv.end))
        else:
            merged.append(iv)
    return merged


class BusinessCalendar:
    """Opening hours in an IANA time zone, minus holidays, closed dates and closed ranges."""

    __slots__ = (
        "_closed_ends",
        "_closed_ranges",
        "_day_cache",
        "_holiday_cache",
        "closed_dates",
        "holiday_country",
        "holiday_subdivision",
        "hours",
        "tz",
    )

    def __init__(
        self,
        tz: str | ZoneInfo,
        hours: WeeklyHours | Mapping[int, HoursSpec] | Mapping[str, HoursSpec],
        *,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        closed_dates: Iterable[date] = (),
        closed_ranges: Iterable[tuple[datetime, datetime]] = (),
    ) -> None:
        """Raise ValueError for an unknown zone, country or subdivision, bad hours or a week with no hours."""
        try:
            self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self.hours = hours if isinstance(hours, WeeklyHours) else WeeklyHours.parse(hours)
        if self.hours.weekly_seconds == 0:
            raise ValueError("a business calendar needs opening hours on at least one weekday")
        if holiday_subdivision is not None and holiday_country is None:
            raise ValueError("a holiday subdivision needs a holiday country")
        self.holiday_country = holiday_country
        self.holiday_subdivision = holiday_subdivision
        self.closed_dates = frozenset(closed_dates)
        ranges = [Interval(_aware(s, "closed range start"), _aware(e, "closed range end")) for s, e in closed_ranges]
        self._closed_ranges = tuple(_merge(ranges))
        self._closed_ends = [iv.end for iv in self._closed_ranges]
        self._holiday_cache: dict[int, frozenset[date]] = {}
        self._day_cache: dict[date, tuple[Interval, ...]] = {}
        if holiday_country is not None:
            self._holidays(2000)  # fail now, not on the first lookup, for an unknown country or subdivision

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar({self.tz.key!r}, holidays={self.holiday_country!r}/{self.holiday_subdivision!r}, "
            f"closed_dates={len(self.closed_dates)}, closed_ranges={len(self._closed_ranges)})"
        )

    def _holidays(self, year: int) -> frozenset[date]:
        # One frozen set per year: the holidays object fills itself lazily, which is not safe to share.
        found = self._holiday_cache.get(year)
        if found is None:
            if self.holiday_country is None:
                found = frozenset()
            else:
                try:
                    table = holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision, years=year)
                except NotImplementedError as exc:
                    raise ValueError(f"no public holidays known for {self.holiday_country!r}: {exc}") from exc
                found = frozenset(table.keys())
            self._holiday_cache[year] = found
        return found

    def is_closed_date(self, day: date) -> bool:
        """True when the local date ``day`` is a public holiday or a custom closed date."""
        return day in self.closed_dates or day in self._holidays(day.year)

    def day_intervals(self, day: date) -> tuple[Interval, ...]:
        """The UTC intervals in which the desk is open on the local date ``day`` (sorted, disjoint)."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        result: tuple[Interval, ...] = ()
        if not self.is_closed_date(day):
            midnight = datetime.combine(day, time())
            opened = [
                Interval(
                    wall_to_utc(midnight + timedelta(seconds=r.start), self.tz),
                    wall_to_utc(midnight + timedelta(seconds=r.end), self.tz),
                )
                for r in self.hours.days[day.weekday()]
            ]
            result = tuple(piece for iv in opened for piece in self._minus_closed_ranges(iv))
        if len(self._day_cache) >= _CACHE_LIMIT:
            self._day_cache.clear()
        self._day_cache[day] = result
        return result

    def _minus_closed_ranges(self, iv: Interval) -> list[Interval]:
        if iv.end <= iv.start:
            return []  # a range that falls entirely in the hour skipped when DST starts
        pieces: list[Interval] = []
        cursor = iv.start
        # Closed ranges are merged, so their ends are sorted too: start with the first that ends after iv.start.
        for i in range(bisect_right(self._closed_ends, iv.start), len(self._closed_ranges)):
            closed = self._closed_ranges[i]
            if closed.start >= iv.end:
                break
            if closed.start > cursor:
                pieces.append(Interval(cursor, closed.start))
            cursor = max(cursor, closed.end)
        if cursor < iv.end:
            pieces.append(Interval(cursor, iv.end))
        return pieces

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def is_open(self, at: datetime) -> bool:
        """True when the desk is open at the instant ``at``."""
        at = _aware(at, "at")
        day = self._local_date(at)
        return any(iv.start <= at < iv.end for d in (day - _DAY, day, day + _DAY) for iv in self.day_intervals(d))

    def open_intervals(self, start: datetime, end: datetime) -> list[Interval]:
        """The UTC intervals within ``[start, end)`` in which the desk is open; sorted, disjoint, merged
        across midnight (a 24/7 calendar gives one interval). Empty when ``end <= start``."""
        start, end = _aware(start, "start"), _aware(end, "end")
        if end <= start:
            return []
        # One day of margin each side: a day's intervals can reach past its local midnights around DST changes.
        day, last = self._local_date(start) - _DAY, self._local_date(end) + _DAY
        found: list[Interval] = []
        while day <= last:
            for iv in self.day_intervals(day):
                lo, hi = max(iv.start, start), min(iv.end, end)
                if lo < hi:
                    found.append(Interval(lo, hi))
            day += _DAY
        return _merge(found)

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants; negative when ``end`` is before ``start``."""
        if _aware(end, "end") < _aware(start, "start"):
            return -self.business_time(end, start)
        return sum((iv.duration for iv in self.open_intervals(start, end)), _ZERO)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """``business_time(start, end)`` in seconds (microsecond precision)."""
        return self.business_time(start, end).total_seconds()

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of open time has passed since ``start`` (the due time).

        Walks whole days, so long targets are cheap. Raises ValueError for a negative duration, or when the
        calendar has not enough open time in the ``MAX_SEARCH_DAYS`` after ``start``.
        """
        start = _aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"cannot add a negative business duration {duration}")
        if duration == _ZERO:
            return start
        left = duration
        day = self._local_date(start) - _DAY
        last = day + timedelta(days=MAX_SEARCH_DAYS)
        while day <= last:
            for iv in self.day_intervals(day):
                if iv.end <= start:
                    continue
                lo = max(iv.start, start)
                if iv.end - lo >= left:
                    return lo + left
                left -= iv.end - lo
            day += _DAY
        raise ValueError(
            f"the calendar has less than {duration} of open time in the {MAX_SEARCH_DAYS} days after {start}"
        )
