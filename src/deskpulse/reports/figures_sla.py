"""Response and resolution times and SLA compliance of a report, from the SLA page's own engine.

The tickets come from ``load_sla_tickets`` with the client's policy (business calendar, targets, paused
statuses), and compliance is ``metrics.figures.compliance_of``: a report shows exactly what the SLA page shows
for the same client and period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from statistics import mean, median
from typing import Any

from deskpulse.domain.sla import BusinessCalendar, ClockState, TargetKind
from deskpulse.domain.sla.timeline import BusinessTimeline
from deskpulse.metrics import figures as desk
from deskpulse.metrics.sla_tickets import SlaTicket
from deskpulse.reports.figures_load import ReportTicket

KIND_NAMES = {TargetKind.FIRST_RESPONSE: "response", TargetKind.RESOLUTION: "resolution"}


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def _completion(ticket: SlaTicket, kind: TargetKind) -> datetime | None:
    """When the ticket's target of ``kind`` was completed, as its SLA clock would have it."""
    clock = ticket.clock(kind)
    if clock is not None:
        return clock.completed_at
    done = ticket.resolved_at if not (ticket.is_active and ticket.status_category.is_active) else None
    return (ticket.first_responded_at or done) if kind is TargetKind.FIRST_RESPONSE else done


def durations(
    tickets: Sequence[SlaTicket], kind: TargetKind, start: datetime, end: datetime, calendar: BusinessCalendar
) -> dict[str, Any] | None:
    """Calendar and business-hours seconds from creation to the completion of ``kind``, for completions in
    ``[start, end)``; business time is the SLA clock's (paused time left out). None when there are none."""
    calendar_s: list[float] = []
    business_s: list[float] = []
    timeline: BusinessTimeline | None = None
    for ticket in tickets:
        done = _completion(ticket, kind)
        if not _in(done, start, end):
            continue
        assert done is not None
        calendar_s.append(max((done - ticket.created_at).total_seconds(), 0.0))
        clock = ticket.clock(kind)
        if clock is not None:
            business_s.append(float(clock.elapsed_business_seconds))
            continue
        if timeline is None:
            timeline = BusinessTimeline(calendar, start - timedelta(days=62), end)
        business_s.append(max(timeline.business_time(ticket.created_at, done).total_seconds(), 0.0))
    if not calendar_s:
        return None
    return {
        "count": len(calendar_s),
        "median_s": round(median(calendar_s)),
        "average_s": round(mean(calendar_s)),
        "business_median_s": round(median(business_s)),
        "business_average_s": round(mean(business_s)),
    }


def times(
    tickets: Sequence[SlaTicket], start: datetime, end: datetime, calendar: BusinessCalendar
) -> dict[str, dict[str, Any] | None]:
    """The ``times`` section: first response and resolution."""
    return {
        "first_response": durations(tickets, TargetKind.FIRST_RESPONSE, start, end, calendar),
        "resolution": durations(tickets, TargetKind.RESOLUTION, start, end, calendar),
    }


def _compliance(value: desk.KindCompliance) -> dict[str, Any]:
    return {"met": value.met, "breached": value.breached, "met_pct": value.rate}


def sla(
    tickets: Sequence[SlaTicket], start: datetime, end: datetime, now: datetime,
    numbers: Mapping[int, ReportTicket], iso: Any, *, listed: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """The ``sla`` section: met / (met + breached) per kind as on the SLA page (``met_pct`` None when no target
    of that kind was decided in the period), and the targets breached in the period (due time inside it), oldest
    due time first. ``listed=False`` leaves the breached list empty (comparisons)."""
    period = desk.Period(start, end, start)
    out: dict[str, Any] = {
        KIND_NAMES[kind]: _compliance(desk.compliance_of(tickets, [kind], period)) for kind in KIND_NAMES
    }
    breached: list[tuple[datetime, str, dict[str, Any]]] = []
    for ticket in tickets if listed else ():
        for kind, name in KIND_NAMES.items():
            clock = ticket.clock(kind)
            if clock is None or clock.state is not ClockState.BREACHED or not _in(clock.breached_at, start, end):
                continue
            found = numbers.get(ticket.row_id)
            done = clock.completed_at
            item = {
                "number": found.number if found is not None else ticket.external_id,
                "subject": ticket.subject,
                "priority": ticket.priority.value if ticket.priority else None,
                "kind": name,
                "due_at": iso(clock.due_at),
                "done_at": iso(done),
                "overdue_s": round(((done or now) - clock.due_at).total_seconds()),
            }
            breached.append((clock.due_at, item["number"], item))
    out["breached"] = [item for _, _, item in sorted(breached, key=lambda b: (b[0], b[1]))]
    return out
