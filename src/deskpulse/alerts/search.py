"""The filters of the alerts history (``/alerts`` and ``GET /api/dashboard/alerts``) read from a request: rule,
client, source, severity, text and a from/to range. Bad values are a ``SearchError`` whose message is a
sentence for a 400 answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from deskpulse.alerts.history import Narrowing
from deskpulse.domain.board import local_midnight

SEVERITIES = ("info", "warning", "critical")


class SearchError(ValueError):
    """A filter value that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class AlertSearch:
    """Parsed filters: alerts that fired in ``[since, until)``, of ``rule_id``, matching ``text`` and ``narrow``."""

    rule_id: str | None
    text: str | None
    since: datetime | None
    until: datetime | None
    narrow: Narrowing


def moment(value: str, name: str, tz: tzinfo, *, end: bool = False) -> datetime:
    """``2026-11-18`` (a local day: its start, or for ``end`` the start of the next day, so the day is included)
    or a date and time with an offset (``2026-11-18T09:30:00+01:00``)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return local_midnight(day + timedelta(days=1) if end else day, tz)
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        problem = f"{name}={value!r} is not a date like 2026-11-18 or a time like 2026-11-18T09:30:00+01:00."
        raise SearchError(problem) from None
    if found.tzinfo is None or found.utcoffset() is None:
        raise SearchError(f"{name}={value!r} needs a time zone offset, e.g. 2026-11-18T09:30:00+01:00.")
    return found


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def parse_search(
    *, rule: str | None, client: str | None, source: str | None, severity: str | None, text: str | None,
    start: str | None, end: str | None, tz: tzinfo,
) -> AlertSearch:  # fmt: skip
    """The filters of one request; empty values mean "any"."""
    level = _blank(severity)
    if level is not None and level not in SEVERITIES:
        raise SearchError(f"severity: unknown value {level!r}; use {', '.join(SEVERITIES)}.")
    first, last = _blank(start), _blank(end)
    since = moment(first, "from", tz) if first is not None else None
    until = moment(last, "to", tz, end=True) if last is not None else None
    if since is not None and until is not None and until <= since:
        raise SearchError("from must come before to.")
    narrow = Narrowing(client=_blank(client), source=_blank(source), severity=level)
    return AlertSearch(_blank(rule), _blank(text), since, until, narrow)
