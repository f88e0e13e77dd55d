"""Figures per local day or month for trend charts, for one service or summed over many.

Buckets follow local midnights of the given time zone, so a day is 23 or 25 hours long when daylight
saving time changes. Only observed time is bucketed: days after ``now`` are left out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deskpulse.domain.sla.hours import Interval, wall_to_utc
from deskpulse.uptime.availability import ServiceAvailability
from deskpulse.uptime.figures import Figures, counted_segments
from deskpulse.uptime.timeline import State

_Step = Callable[[date], date]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One bucket: its local date (the first of the month for months), UTC bounds, figures and incidents."""

    day: date
    start: datetime
    end: datetime
    figures: Figures
    incidents: int  # incidents that started in the bucket


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_period(period: str, tz: str | ZoneInfo) -> Interval:
    """``"2026-10"`` as the UTC interval from local midnight on the 1st to local midnight on the next 1st."""
    match = _MONTH.match(period.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"period {period!r} is not a month of the form YYYY-MM")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    zone = _zone(tz)
    return Interval(_midnight(first, zone), _midnight(_next_month(first), zone))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return wall_to_utc(datetime.combine(day, time()), zone)


def daily(results: Iterable[ServiceAvailability], tz: str | ZoneInfo) -> list[TrendPoint]:
    """Summed figures per local day over the observed part of the results' periods."""
    return _bucketed(list(results), _zone(tz), lambda d: d + timedelta(days=1), lambda d: d)


def monthly(results: Iterable[ServiceAvailability], tz: str | ZoneInfo) -> list[TrendPoint]:
    """Summed figures per local calendar month over the observed part of the results' periods."""
    return _bucketed(list(results), _zone(tz), _next_month, lambda d: d.replace(day=1))


def _bucketed(results: list[ServiceAvailability], zone: ZoneInfo, step: _Step, first: _Step) -> list[TrendPoint]:
    if not results:
        return []
    lo = min(r.period.start for r in results)
    hi = max(r.observed_end for r in results)
    days: list[date] = [first(lo.astimezone(zone).date())]
    bounds: list[datetime] = [_midnight(days[0], zone)]
    while bounds[-1] < hi:
        days.append(step(days[-1]))
        bounds.append(_midnight(days[-1], zone))
    segments: list[list[tuple[datetime, datetime, State]]] = [[] for _ in days[:-1]]
    started = [0] * (len(days) - 1)
    for result in results:
        for seg_start, seg_end, state in counted_segments(result.slices, result.scheduled):
            # A segment can span several buckets: cut it at each boundary it crosses.
            k = bisect_right(bounds, seg_start) - 1
            while seg_start < seg_end:
                cut = min(seg_end, bounds[k + 1])
                segments[k].append((seg_start, cut, state))
                seg_start, k = cut, k + 1
        for incident in result.incidents:
            started[bisect_right(bounds, incident.start) - 1] += 1
    return [
        TrendPoint(
            days[k], bounds[k].astimezone(UTC), bounds[k + 1].astimezone(UTC), Figures.from_segments(segs), started[k]
        )
        for k, segs in enumerate(segments)
    ]
