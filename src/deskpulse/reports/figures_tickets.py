"""Ticket counts of a report: opened, resolved, closed, backlog, breakdowns, requesters, days, the list.

Pure functions over ``ReportTicket`` lists; ``[start, end)`` are aware instants, ``tz`` the client's zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from deskpulse.reports.figures_load import ReportTicket

TOP_REQUESTERS = 10
NOT_SET = "(none)"


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def opened_in(tickets: Sequence[ReportTicket], start: datetime, end: datetime) -> list[ReportTicket]:
    """Tickets created within the period."""
    return [t for t in tickets if _in(t.created_at, start, end)]


def resolved_in(tickets: Sequence[ReportTicket], start: datetime, end: datetime) -> list[ReportTicket]:
    """Tickets whose (latest) resolution, or close where the vendor keeps no resolution time, is in the period."""
    return [t for t in tickets if _in(t.resolved_at, start, end)]


def counts(tickets: Sequence[ReportTicket], start: datetime, end: datetime) -> dict[str, int]:
    """The ``tickets`` section."""
    return {
        "opened": len(opened_in(tickets, start, end)),
        "resolved": len(resolved_in(tickets, start, end)),
        "closed": sum(1 for t in tickets if _in(t.closed_at, start, end)),
        "backlog_start": sum(1 for t in tickets if t.open_at(start)),
        "backlog_end": sum(1 for t in tickets if t.open_at(end)),
    }


def breakdown(tickets: Sequence[ReportTicket], key: Callable[[ReportTicket], str | None]) -> list[dict[str, Any]]:
    """Tickets counted per ``key`` (largest first, then by name); [] when no ticket has a value for it."""
    found = Counter(key(t) or NOT_SET for t in tickets)
    if not found or set(found) == {NOT_SET}:
        return []
    return [{"name": name, "count": n} for name, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]


def top_requesters(tickets: Sequence[ReportTicket]) -> list[dict[str, Any]]:
    """The requesters who opened most of ``tickets`` (at most ten), known by e-mail address, else by name."""
    counted: Counter[str] = Counter()
    shown: dict[str, tuple[str | None, str | None]] = {}
    for t in tickets:
        email = (t.requester_email or "").strip().lower() or None
        key = email or (t.requester_name or "").strip()
        if not key:
            continue
        counted[key] += 1
        name, known_email = shown.get(key, (None, None))
        shown[key] = (name or t.requester_name, known_email or email)
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REQUESTERS]
    return [{"name": shown[k][0] or shown[k][1], "email": shown[k][1], "tickets": n} for k, n in ranked]


def daily(tickets: Sequence[ReportTicket], days: Sequence[date], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Opened and resolved tickets on every local day of the period (days without any included)."""
    opened = Counter(t.created_at.astimezone(tz).date() for t in tickets)
    resolved = Counter(t.resolved_at.astimezone(tz).date() for t in tickets if t.resolved_at is not None)
    return [{"date": d.isoformat(), "opened": opened.get(d, 0), "resolved": resolved.get(d, 0)} for d in days]


def reopened(tickets: Sequence[ReportTicket], start: datetime, end: datetime, resolved: int) -> dict[str, Any] | None:
    """Tickets reopened in the period against those resolved in it; None when there was neither."""
    count = sum(1 for t in tickets if t.reopened_within(start, end))
    if count == 0 and resolved == 0:
        return None
    return {"resolved": resolved, "count": count, "pct": pct(count, resolved)}


def pct(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent with one decimal; None when ``whole`` is 0."""
    return round(100 * part / whole, 1) if whole else None


def ticket_list(
    tickets: Sequence[ReportTicket], start: datetime, end: datetime, iso: Callable[[datetime | None], str | None]
) -> list[dict[str, Any]]:
    """Every ticket opened, resolved or closed in the period, or still open at its end; oldest first."""
    listed = [
        t for t in tickets
        if _in(t.created_at, start, end) or _in(t.resolved_at, start, end) or _in(t.closed_at, start, end)
        or t.open_at(end)
    ]  # fmt: skip
    return [
        {
            "number": t.number,
            "subject": t.subject,
            "type": t.ticket_type,
            "priority": t.priority,
            "status": t.status_label,
            "requester": t.requester_name or t.requester_email,
            "created_at": iso(t.created_at),
            "resolved_at": iso(t.resolved_at),
        }
        for t in listed
    ]
