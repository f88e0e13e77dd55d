"""Report periods: a calendar month, a quarter or a range of local days, in one client's time zone.

A period runs from local midnight of its first day to local midnight after its last day, so a month with a
daylight-saving change is 31 days plus or minus an hour long. ``key`` is what a user types and what runs are
stored under ("2026-10", "2026-Q3", "2026-10-01..2026-10-15"); ``parse_period(p.key, tz)`` gives ``p`` back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from deskpulse.domain.sla.hours import wall_to_utc

PeriodKind = Literal["month", "quarter", "range"]
MIN_YEAR, MAX_YEAR = 1970, 2999
MAX_RANGE_DAYS = 400
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    """A period that cannot be read or used; the message is a sentence for the user."""


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` between local midnights of ``tz``; ``first_day`` and ``last_day`` are both included."""

    kind: PeriodKind
    first_day: date
    last_day: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        """Local midnight at which ``first_day`` begins (aware, in the period's zone)."""
        return local_start(self.first_day, self.tz)

    @property
    def end(self) -> datetime:
        """Local midnight after ``last_day`` (aware, in the period's zone); not part of the period."""
        return local_start(self.last_day + timedelta(days=1), self.tz)

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        """``(start, end)`` in UTC. Use these for arithmetic: Python subtracts and compares two datetimes of the
        same zone by wall clock, so ``end - start`` of October in Amsterdam would miss the extra hour."""
        return self.start.astimezone(UTC), self.end.astimezone(UTC)

    @property
    def duration(self) -> timedelta:
        """The real length of the period (31 days and 1 hour for October in Amsterdam)."""
        start, end = self.utc_bounds
        return end - start

    @property
    def key(self) -> str:
        """``2026-10``, ``2026-Q3`` or ``2026-10-01..2026-10-15``."""
        if self.kind == "month":
            return f"{self.first_day.year:04d}-{self.first_day.month:02d}"
        if self.kind == "quarter":
            return f"{self.first_day.year:04d}-Q{(self.first_day.month - 1) // 3 + 1}"
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    @property
    def label(self) -> str:
        """``October 2026``, ``Q3 2026`` or ``1 October 2026 – 15 October 2026`` (English; renderers translate)."""
        if self.kind == "month":
            return f"{MONTHS[self.first_day.month - 1]} {self.first_day.year}"
        if self.kind == "quarter":
            return f"Q{(self.first_day.month - 1) // 3 + 1} {self.first_day.year}"
        return f"{_day_label(self.first_day)} – {_day_label(self.last_day)}"

    @property
    def days(self) -> list[date]:
        """Every local date of the period, in order."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(count)]

    def previous(self) -> Period:
        """The period to compare with: the month or quarter before, or as many days right before a range."""
        if self.kind == "month":
            return month(*_shift_month(self.first_day.year, self.first_day.month, -1), self.tz)
        if self.kind == "quarter":
            year, first_month = _shift_month(self.first_day.year, self.first_day.month, -3)
            return quarter(year, (first_month - 1) // 3 + 1, self.tz)
        length = self.last_day - self.first_day
        last = self.first_day - timedelta(days=1)
        return day_range(last - length, last, self.tz)

    def as_dict(self) -> dict[str, str]:
        """The ``period`` object of the figures document (times ISO-8601 with the zone's offset)."""
        return {"key": self.key, "label": self.label, "kind": self.kind,
                "start": self.start.isoformat(), "end": self.end.isoformat()}  # fmt: skip


def _day_label(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def local_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant local date ``day`` begins in ``tz`` (the jump, where midnight itself is skipped)."""
    return wall_to_utc(datetime.combine(day, time()), tz).astimezone(tz)


def _shift_month(year: int, month_number: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month_number - 1) + by
    return index // 12, index % 12 + 1


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"The year {year} is outside {MIN_YEAR}..{MAX_YEAR}.")


def month(year: int, month_number: int, tz: ZoneInfo) -> Period:
    """The calendar month ``year``-``month_number`` in ``tz``."""
    if not 1 <= month_number <= 12:
        raise PeriodError(f"{month_number} is not a month number (1 to 12).")
    next_year, next_month = _shift_month(year, month_number, 1)
    return Period("month", date(year, month_number, 1), date(next_year, next_month, 1) - timedelta(days=1), tz)


def quarter(year: int, number: int, tz: ZoneInfo) -> Period:
    """Quarter ``number`` (1..4) of ``year`` in ``tz``."""
    if not 1 <= number <= 4:
        raise PeriodError(f"Q{number} is not a quarter (Q1 to Q4).")
    first = date(year, 3 * number - 2, 1)
    next_year, next_month = _shift_month(year, first.month, 3)
    return Period("quarter", first, date(next_year, next_month, 1) - timedelta(days=1), tz)


def day_range(first: date, last: date, tz: ZoneInfo) -> Period:
    """Local days ``first`` to ``last``, both included."""
    if last < first:
        raise PeriodError(f"The range ends ({last.isoformat()}) before it starts ({first.isoformat()}).")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError(f"A range is at most {MAX_RANGE_DAYS} days; ask for a shorter one.")
    return Period("range", first, last, tz)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{text!r} is not a date like 2026-10-01.") from None


def parse_period(text: str, tz: ZoneInfo) -> Period:
    """``2026-10`` (a month), ``2026-Q3`` (a quarter) or ``2026-10-01..2026-10-15`` (days, both included).

    Raises ``PeriodError`` with a sentence saying what is wrong."""
    value = text.strip()
    if found := _MONTH.match(value):
        _check_year(int(found.group(1)))
        return month(int(found.group(1)), int(found.group(2)), tz)
    if found := _QUARTER.match(value):
        _check_year(int(found.group(1)))
        return quarter(int(found.group(1)), int(found.group(2)), tz)
    if found := _RANGE.match(value):
        first, last = _date(found.group(1)), _date(found.group(2))
        _check_year(first.year)
        _check_year(last.year)
        return day_range(first, last, tz)
    raise PeriodError(
        f"{text!r} is not a period: give a month like 2026-10, a quarter like 2026-Q3 "
        "or a range of days like 2026-10-01..2026-10-15."
    )


def previous_month(now: datetime, tz: ZoneInfo) -> Period:
    """The full calendar month before the one ``now`` falls in, in ``tz`` (the default report period)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    today = now.astimezone(tz).date()
    return month(*_shift_month(today.year, today.month, -1), tz)
