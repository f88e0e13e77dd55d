"""The reporting period of an uptime request: ``period=YYYY-MM`` or ``from=``/``to=`` local days, default this
month. A period that cannot be read is a ``PeriodError`` whose message is a sentence for a 400 answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from deskpulse.domain.board import local_midnight
from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime import month_period

MAX_DAYS = 400


class PeriodError(ValueError):
    """A period parameter that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Period:
    """A UTC interval between local midnights, with how a person would name it."""

    interval: Interval
    label: str
    first_day: date
    last_day: date


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"{name}={value!r} is not a date like 2026-10-01.") from None


def month_of(day: date, tz: ZoneInfo) -> Period:
    """The calendar month containing ``day``."""
    label = f"{day.year:04d}-{day.month:02d}"
    interval = month_period(label, tz)
    last = (interval.end.astimezone(tz) - timedelta(days=1)).date()
    return Period(interval, label, day.replace(day=1), last)


def parse_period(
    period: str | None, start: str | None, end: str | None, *, tz: ZoneInfo, now: datetime, default_month: bool = True
) -> Period:
    """The period asked for; this month (so far, for ``default_month=False``: from its first day to today)."""
    if period is not None and (start is not None or end is not None):
        raise PeriodError("Give either period=YYYY-MM or from= and to=, not both.")
    if period is not None:
        try:
            interval = month_period(period, tz)
        except ValueError:
            raise PeriodError(f"period={period!r} is not a month like 2026-10.") from None
        first = interval.start.astimezone(tz).date()
        return Period(interval, period.strip(), first, (interval.end.astimezone(tz) - timedelta(days=1)).date())
    today = now.astimezone(tz).date()
    if start is None and end is None:
        return month_of(today, tz) if default_month else days(today.replace(day=1), today, tz)
    if start is None or end is None:
        raise PeriodError("Give both from= and to= (local dates, both included).")
    return days(_day(start, "from"), _day(end, "to"), tz)


def days(first: date, last: date, tz: ZoneInfo) -> Period:
    """Local days ``first`` to ``last``, both included."""
    if last < first:
        raise PeriodError(f"to={last.isoformat()} is before from={first.isoformat()}.")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"A period is at most {MAX_DAYS} days; ask for shorter periods.")
    interval = Interval(local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz))
    return Period(interval, f"{first.isoformat()} to {last.isoformat()}", first, last)
