"""Weekly opening hours as local wall-clock ranges, and the mapping of wall-clock times to UTC instants.

Opening hours are what a desk's clock on the wall says ("Mon 09:00-12:00 and 13:00-18:00"), so the UTC
length of a business day changes on the days daylight saving time starts or ends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

DAY_SECONDS = 24 * 3600
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

HoursSpec = str | Sequence[str] | Sequence["OpeningRange"]


class Interval(NamedTuple):
    """A half-open span of time ``[start, end)`` between two aware datetimes."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        """``end - start``."""
        return self.end - self.start


@dataclass(frozen=True, slots=True, order=True)
class OpeningRange:
    """One opening range of a day in seconds after local midnight, ``0 <= start < end <= 86400``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY_SECONDS:
            raise ValueError(f"an opening range needs 00:00 <= start < end <= 24:00, got {self}")

    @classmethod
    def parse(cls, text: str) -> OpeningRange:
        """Parse ``"HH:MM-HH:MM"``; ``24:00`` is allowed as the end only (``"00:00-24:00"`` is the whole day)."""
        match = _RANGE.match(text)
        if match is None:
            raise ValueError(f"opening range {text!r} is not of the form HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if m1 > 59 or m2 > 59 or h1 > 23 or h2 > 24 or (h2 == 24 and m2 != 0):
            raise ValueError(f"opening range {text!r} has an invalid time of day")
        start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if end <= start:
            # A night shift is two ranges: "22:00-24:00" on one day and "00:00-06:00" on the next.
            raise ValueError(f"opening range {text!r} must end after it starts (split ranges that cross midnight)")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}"


def _weekday(key: int | str) -> int:
    if isinstance(key, int):
        if 0 <= key <= 6:
            return key
        raise ValueError(f"weekday {key} is not in 0 (Monday) .. 6 (Sunday)")
    name = key.strip().lower()[:3]
    if name not in WEEKDAY_NAMES:
        raise ValueError(f"unknown weekday {key!r}")
    return WEEKDAY_NAMES.index(name)


def _ranges(spec: HoursSpec) -> tuple[OpeningRange, ...]:
    items: Iterable[str | OpeningRange] = spec.split(",") if isinstance(spec, str) else spec
    parsed = sorted(r if isinstance(r, OpeningRange) else OpeningRange.parse(r) for r in items if r != "")
    merged: list[OpeningRange] = []
    for r in parsed:
        if merged and r.start < merged[-1].end:
            raise ValueError(f"opening ranges {merged[-1]} and {r} overlap")
        if merged and r.start == merged[-1].end:
            merged[-1] = OpeningRange(merged[-1].start, r.end)  # "09:00-12:00, 12:00-18:00" is one range
        else:
            merged.append(r)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening ranges per weekday (index 0 is Monday); a day without ranges is closed."""

    days: tuple[tuple[OpeningRange, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("weekly hours need exactly seven days")

    @classmethod
    def parse(cls, spec: Mapping[int, HoursSpec] | Mapping[str, HoursSpec]) -> WeeklyHours:
        """Build from ``{"mon": ["09:00-12:00", "13:00-18:00"], "tue": "09:00-18:00", ...}`` (or 0..6 keys).

        A value may be a comma-separated string or a list; days left out are closed.
        """
        days: list[tuple[OpeningRange, ...]] = [()] * 7
        seen: set[int] = set()
        for key, value in spec.items():
            day = _weekday(key)
            if day in seen:
                raise ValueError(f"weekday {WEEKDAY_NAMES[day]} is given twice")
            seen.add(day)
            days[day] = _ranges(value)
        return cls(tuple(days))

    @classmethod
    def weekdays(cls, ranges: HoursSpec = "09:00-17:00") -> WeeklyHours:
        """The same ranges Monday to Friday, closed at the weekend."""
        return cls.parse({day: ranges for day in range(5)})

    @classmethod
    def always(cls) -> WeeklyHours:
        """Open around the clock (24/7)."""
        return cls.parse({day: "00:00-24:00" for day in range(7)})

    @property
    def weekly_seconds(self) -> int:
        """Open seconds in a week without daylight-saving changes or holidays."""
        return sum(r.end - r.start for day in self.days for r in day)


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant at which clocks in ``tz`` first show the naive wall time ``wall``.

    An ambiguous time (the repeated hour when DST ends) maps to its first occurrence; a time skipped when
    DST starts maps to the instant of the jump. The mapping is therefore non-decreasing in ``wall``.
    """
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a gap: clocks showed less than `wall` at `low` and more at `high`; bisect whole seconds to the jump.
    low = math.floor(wall.replace(tzinfo=tz, fold=1).timestamp())
    high = math.ceil(first.timestamp())
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= wall:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)
