"""Service-desk figures from evaluated tickets: overview, priorities, queues, technicians, SLA breaches.

Pure functions over ``SlaTicket`` lists. A figure that cannot be computed is None, and ``reasons`` says why;
no figure is ever filled with a placeholder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from deskpulse.domain.sla import ClockState, TargetKind
from deskpulse.domain.sla.evaluate import TargetResult
from deskpulse.domain.tickets import Priority, StatusCategory
from deskpulse.metrics.sla_tickets import SlaTicket

NEW = frozenset({StatusCategory.NEW})
IN_PROGRESS = frozenset({StatusCategory.OPEN, StatusCategory.ASSIGNED})
WAITING = frozenset({StatusCategory.WAITING_ON_CUSTOMER, StatusCategory.WAITING_ON_THIRD_PARTY, StatusCategory.ON_HOLD})
KINDS = (TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION)


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` of the reporting period; ``today`` is the local midnight of ``end``'s day."""

    start: datetime
    end: datetime
    today: datetime


@dataclass(slots=True)
class Reasons:
    """Why a figure is None, keyed by the figure's field name."""

    items: dict[str, str] = field(default_factory=dict)

    def none(self, name: str, reason: str) -> float | None:
        """Record that ``name`` is None because of ``reason``; returns None (the figure's value)."""
        self.items[name] = reason
        return None


def _in(at: datetime | None, period: Period) -> bool:
    return at is not None and period.start <= at < period.end


def _minutes(seconds: Iterable[int]) -> list[float]:
    return [s / 60 for s in seconds]


def completed_in(tickets: Sequence[SlaTicket], kind: TargetKind, period: Period) -> list[TargetResult]:
    """Clocks of ``kind`` that completed within the period."""
    return [c for t in tickets if (c := t.clock(kind)) is not None and _in(c.completed_at, period)]


@dataclass(frozen=True, slots=True)
class KindCompliance:
    """met / (met + breached) of one target kind in a period; at-risk counted separately (open targets)."""

    met: int
    breached: int
    at_risk: int
    rate: float | None
    reason: str | None


def compliance_of(tickets: Sequence[SlaTicket], kinds: Sequence[TargetKind], period: Period) -> KindCompliance:
    """Targets that were met (completed in the period) or breached (their due time fell in the period,
    whether or not the ticket has been closed since); tickets without an SLA are left out."""
    met = breached = at_risk = 0
    for t in tickets:
        for kind in kinds:
            clock = t.clock(kind)
            if clock is None:
                continue
            if clock.state is ClockState.MET and _in(clock.completed_at, period):
                met += 1
            elif clock.state is ClockState.BREACHED and _in(clock.breached_at, period):
                breached += 1
            elif clock.state is ClockState.AT_RISK:
                at_risk += 1
    decided = met + breached
    if decided == 0:
        return KindCompliance(met, breached, at_risk, None, "no SLA target was met or breached in the period")
    return KindCompliance(met, breached, at_risk, round(100 * met / decided, 1), None)


def combined(*parts: KindCompliance) -> KindCompliance:
    """Several kinds counted together: met / (met + breached) over all of them."""
    met, breached = sum(p.met for p in parts), sum(p.breached for p in parts)
    at_risk = sum(p.at_risk for p in parts)
    if met + breached == 0:
        return KindCompliance(met, breached, at_risk, None, "no SLA target was met or breached in the period")
    return KindCompliance(met, breached, at_risk, round(100 * met / (met + breached), 1), None)


def overview(
    tickets: Sequence[SlaTicket], period: Period, reasons: Reasons, both: KindCompliance | None = None
) -> dict[str, Any]:
    """The overview block of /api/dashboard/metrics (``both``: the compliance of both kinds, if computed)."""
    active = [t for t in tickets if t.is_active]
    closed_in_period = [t for t in tickets if not t.is_active and _in(t.resolved_at, period)]
    response = _minutes(c.elapsed_business_seconds for c in completed_in(tickets, TargetKind.FIRST_RESPONSE, period))
    resolution = _minutes(c.elapsed_business_seconds for c in completed_in(tickets, TargetKind.RESOLUTION, period))
    both = both if both is not None else compliance_of(tickets, KINDS, period)
    return {
        "totalTickets": len(active) + len(closed_in_period),
        "openTickets": len(active),
        "newTickets": sum(t.status_category in NEW for t in active),
        "inProgressTickets": sum(t.status_category in IN_PROGRESS for t in active),
        "waitingTickets": sum(t.status_category in WAITING for t in active),
        "closedToday": sum(1 for t in tickets if not t.is_active and t.resolved_at and t.resolved_at >= period.today),
        "averageResponseTime": round(sum(response) / len(response), 1)
        if response
        else reasons.none("averageResponseTime", "no first response was given in the period"),
        "medianResponseTime": round(median(response), 1)
        if response
        else reasons.none("medianResponseTime", "no first response was given in the period"),
        "averageResolutionTime": round(sum(resolution) / len(resolution), 1)
        if resolution
        else reasons.none("averageResolutionTime", "no ticket was resolved in the period"),
        "medianResolutionTime": round(median(resolution), 1)
        if resolution
        else reasons.none("medianResolutionTime", "no ticket was resolved in the period"),
        "slaComplianceRate": both.rate
        if both.rate is not None
        else reasons.none("slaComplianceRate", both.reason or "no SLA data"),
    }


def priorities(tickets: Sequence[SlaTicket]) -> dict[str, int]:
    """Open tickets per priority (``critical`` is urgent); ``none`` counts tickets without a priority."""
    active = [t for t in tickets if t.is_active]
    names = {Priority.URGENT: "critical", Priority.HIGH: "high", Priority.MEDIUM: "medium", Priority.LOW: "low"}
    out = {name: 0 for name in names.values()}
    out["none"] = 0
    for t in active:
        out[names[t.priority] if t.priority else "none"] += 1
    return out


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def queues(
    tickets: Sequence[SlaTicket], now: datetime, name_of: Callable[[int, str], str | None], source_name: dict[int, str]
) -> list[dict[str, Any]]:
    """Open tickets per queue (team / group): count, average and oldest age in hours; largest queue first."""
    grouped: dict[tuple[int, str | None], list[SlaTicket]] = defaultdict(list)
    for t in tickets:
        if t.is_active:
            grouped[(t.source_id, t.team_external_id)].append(t)
    out = []
    for (sid, team), items in grouped.items():
        ages = [(now - t.created_at).total_seconds() for t in items]
        out.append(
            {
                "queueId": team,
                "queueName": (name_of(sid, team) if team else None) or (team and f"Queue {team}") or "(no queue)",
                "source": source_name.get(sid, ""),
                "ticketCount": len(items),
                "averageAge": _hours(sum(ages) / len(ages)),
                "oldestTicketAge": _hours(max(ages)),
            }
        )
    return sorted(out, key=lambda q: (-q["ticketCount"], q["queueName"]))


def _flags(t: SlaTicket) -> tuple[bool, bool]:
    clocks = [c for c in (t.first_response, t.resolution) if c is not None and c.completed_at is None]
    return any(c.state is ClockState.AT_RISK for c in clocks), any(c.state is ClockState.BREACHED for c in clocks)


def resources(
    tickets: Sequence[SlaTicket],
    name_of: Callable[[int, str], str | None],
    source_name: dict[int, str],
    hours_logged: dict[tuple[int, str], float],
    timed_sources: frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Open, at-risk and breached tickets per technician; hours logged in the period for sources that keep time
    entries (``timed_sources``; 0 when none were logged), None for the others. Technicians who logged hours but
    hold no open ticket are listed too."""
    grouped: dict[tuple[int, str], list[SlaTicket]] = defaultdict(list)
    for t in tickets:
        if t.is_active and t.agent_external_id:
            grouped[(t.source_id, t.agent_external_id)].append(t)
    for key, value in hours_logged.items():
        if value > 0:
            grouped.setdefault(key, [])
    out = []
    for (sid, agent), items in grouped.items():
        flags = [_flags(t) for t in items]
        logged = hours_logged.get((sid, agent), 0.0) if sid in timed_sources else None
        out.append(
            {
                "resourceId": agent,
                "name": name_of(sid, agent) or f"Agent {agent}",
                "source": source_name.get(sid, ""),
                "openTickets": len(items),
                "atRisk": sum(a for a, _ in flags),
                "breached": sum(b for _, b in flags),
                "hoursLogged": round(logged, 2) if logged is not None else None,
            }
        )
    return sorted(out, key=lambda r: (-r["openTickets"], r["name"]))


def breaches(
    tickets: Sequence[SlaTicket], period: Period, computed: tuple[KindCompliance, KindCompliance] | None = None
) -> dict[str, int]:
    """Targets breached in the period per kind, and open tickets with a target at risk now."""
    response, resolution = computed or (
        compliance_of(tickets, [TargetKind.FIRST_RESPONSE], period),
        compliance_of(tickets, [TargetKind.RESOLUTION], period),
    )
    at_risk = sum(1 for t in tickets if t.is_active and _flags(t)[0])
    return {"responseBreaches": response.breached, "resolutionBreaches": resolution.breached, "atRiskTickets": at_risk}


def violation_item(t: SlaTicket, source: str) -> dict[str, Any]:
    """One at-risk or breached ticket, times in business minutes (negative: overdue by that much)."""

    def left(clock: TargetResult | None) -> float | None:
        if clock is None or clock.completed_at is not None:
            return None
        return round(clock.remaining_seconds / 60, 1)

    return {
        "id": t.external_id,
        "source": source,
        "title": t.subject,
        "priority": t.priority.value if t.priority else None,
        "client": t.client,
        "url": t.url,
        "responseTimeRemaining": left(t.first_response),
        "resolutionTimeRemaining": left(t.resolution),
        "responseDueAt": t.first_response.due_at if t.first_response else None,
        "resolutionDueAt": t.resolution.due_at if t.resolution else None,
    }


def violations(tickets: Sequence[SlaTicket], source_name: dict[int, str], limit: int | None = None) -> dict[str, Any]:
    """Open tickets with a running target at risk (soonest breach first) or breached (longest overdue first),
    at most ``limit`` of each, with the totals."""
    at_risk: list[tuple[int, SlaTicket]] = []
    breached: list[tuple[int, SlaTicket]] = []
    for t in tickets:
        if not t.is_active:
            continue
        running = [c for c in (t.first_response, t.resolution) if c is not None and c.completed_at is None]
        if not running:
            continue
        soonest = min(c.remaining_seconds for c in running)
        if any(c.state is ClockState.BREACHED for c in running):
            breached.append((soonest, t))
        elif any(c.state is ClockState.AT_RISK for c in running):
            at_risk.append((soonest, t))

    return {
        "atRisk": [violation_item(t, source_name.get(t.source_id, "")) for _, t in sorted(at_risk, key=_key)[:limit]],
        "breached": [
            violation_item(t, source_name.get(t.source_id, "")) for _, t in sorted(breached, key=_key)[:limit]
        ],
        "atRiskTotal": len(at_risk),
        "breachedTotal": len(breached),
    }


def _key(pair: tuple[int, SlaTicket]) -> tuple[int, str]:
    return pair[0], pair[1].external_id


def compliance_breakdown(
    tickets: Sequence[SlaTicket], period: Period, key: Callable[[SlaTicket], str | None]
) -> list[dict[str, Any]]:
    """Compliance per group (e.g. per priority or per client), both kinds separately; groups sorted by name."""
    grouped: dict[str, list[SlaTicket]] = defaultdict(list)
    for t in tickets:
        grouped[key(t) or "(none)"].append(t)
    out = []
    for name in sorted(grouped):
        items = grouped[name]
        response = compliance_of(items, [TargetKind.FIRST_RESPONSE], period)
        resolution = compliance_of(items, [TargetKind.RESOLUTION], period)
        if response.met + response.breached + resolution.met + resolution.breached + response.at_risk == 0:
            continue
        out.append({"name": name, "response": response, "resolution": resolution})
    return out
