"""Report figures from the per-ticket vendor details: first-contact resolution, CSAT and hours worked.

Each section is None when the store holds no such details for the client's tickets in the period (a vendor
that keeps no time entries, no CSAT survey, a source whose details have not been fetched yet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.reports.figures_tickets import pct
from deskpulse.store.report_tables import TicketCsatRow, TicketDetailsStateRow, TicketTimeEntryRow
from deskpulse.store.tables import AgentRow, TicketRow

POSITIVE_RATING = 4  # of 5


def first_contact_resolution(
    session: Session, scope: Sequence[ColumnElement[bool]], resolved_ids: Collection[int]
) -> dict[str, Any] | None:
    """Resolved tickets with at most one public agent reply, among the resolved tickets whose replies are known."""
    if not resolved_ids:
        return None
    rows = session.execute(
        select(TicketDetailsStateRow.ticket_id, TicketDetailsStateRow.conversations)
        .join(TicketRow, TicketRow.id == TicketDetailsStateRow.ticket_id)
        .where(TicketDetailsStateRow.conversations.is_not(None), *scope)
    ).all()
    known: dict[int, int] = {ticket_id: n for ticket_id, n in rows if ticket_id in resolved_ids and n is not None}
    if not known:
        return None
    count = sum(1 for n in known.values() if n <= 1)
    return {"resolved": len(known), "count": count, "pct": pct(count, len(known))}


def unread_details(session: Session, client_id: int, start: datetime, end: datetime) -> dict[int, int]:
    """Per source: the client's tickets of the period (open in it, or resolved or closed in it) whose details
    could not be read the last time they were fetched."""
    rows = session.execute(
        select(TicketRow.source_id, func.count())
        .join(TicketDetailsStateRow, TicketDetailsStateRow.ticket_id == TicketRow.id)
        .where(TicketRow.client_id == client_id, TicketRow.deleted_at.is_(None), TicketRow.created_at < end,
               TicketDetailsStateRow.error.is_not(None),
               or_(TicketRow.is_active.is_(True), TicketRow.resolved_at >= start, TicketRow.closed_at >= start))
        .group_by(TicketRow.source_id)
    ).all()  # fmt: skip
    return {int(sid): int(n) for sid, n in rows}


def csat_rows(session: Session, client_id: int, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """(rating, comment, ticket number, submitted at) of the client's CSAT answers submitted in ``[start, end)``."""
    return [
        tuple(row)
        for row in session.execute(
            select(TicketCsatRow.rating, TicketCsatRow.comment, TicketRow.number, TicketRow.external_id,
                   TicketCsatRow.submitted_at)
            .join(TicketRow, TicketRow.id == TicketCsatRow.ticket_id)
            .where(TicketRow.client_id == client_id, TicketRow.deleted_at.is_(None),
                   TicketCsatRow.submitted_at >= start, TicketCsatRow.submitted_at < end)
            .order_by(TicketCsatRow.submitted_at, TicketCsatRow.id)
        ).all()
    ]  # fmt: skip


def csat(rows: Sequence[tuple[Any, ...]], start: datetime, end: datetime) -> dict[str, Any] | None:
    """CSAT of the answers submitted in ``[start, end)``: % of ratings >= 4 of 5, with the verbatim comments."""
    within = [r for r in rows if start <= r[4] < end]
    if not within:
        return None
    positive = sum(1 for r in within if r[0] >= POSITIVE_RATING)
    comments = [
        {"rating": rating, "comment": comment.strip(), "ticket": number or external_id}
        for rating, comment, number, external_id, _ in within
        if comment and comment.strip()
    ]
    return {"responses": len(within), "positive": positive, "pct": pct(positive, len(within)), "comments": comments}


def hours(session: Session, client_id: int, start: datetime, end: datetime) -> dict[str, Any] | None:
    """Hours logged on the client's tickets with the work done in ``[start, end)``, billable or not, per agent."""
    rows = session.execute(
        select(TicketTimeEntryRow.source_id, TicketTimeEntryRow.agent_external_id, TicketTimeEntryRow.billable,
               TicketTimeEntryRow.hours, AgentRow.name)
        .join(TicketRow, TicketRow.id == TicketTimeEntryRow.ticket_id)
        .outerjoin(AgentRow, (AgentRow.source_id == TicketTimeEntryRow.source_id)
                   & (AgentRow.external_id == TicketTimeEntryRow.agent_external_id))
        .where(TicketRow.client_id == client_id, TicketRow.deleted_at.is_(None),
               TicketTimeEntryRow.executed_at >= start, TicketTimeEntryRow.executed_at < end)
    ).all()  # fmt: skip
    if not rows:
        return None
    per_agent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for _sid, agent, billable, amount, name in rows:
        label = name or (f"Agent {agent}" if agent else "(unknown)")
        per_agent[label][0 if billable else 1] += float(amount)
    billable_total = sum(v[0] for v in per_agent.values())
    other_total = sum(v[1] for v in per_agent.values())
    agents = sorted(per_agent.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))
    return {
        "billable": _h(billable_total),
        "non_billable": _h(other_total),
        "total": _h(billable_total + other_total),
        "by_agent": [{"name": name, "billable": _h(b), "non_billable": _h(n)} for name, (b, n) in agents],
    }


def _h(value: float) -> float:
    return round(value, 2)
