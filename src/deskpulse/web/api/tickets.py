"""Tickets as a list: what a customer sees of its own tickets, and what staff see of everyone's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.clock import utcnow
from deskpulse.store.tables import AgentRow, SourceRow, TeamRow, TicketRow
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import require
from deskpulse.web.deps import DbSession, Sources, SourceSelection

router = APIRouter(tags=["tickets"], responses=api_errors())


class TicketOut(BaseModel):
    id: str
    source: str
    number: str | None
    subject: str | None
    status: str
    status_category: str
    priority: str | None
    created_at: datetime
    updated_at: datetime | None
    closed_at: datetime | None
    age_seconds: int
    # Internal fields: present only for staff (null for customers).
    team: str | None = None
    agent: str | None = None
    url: str | None = None


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    limit: int
    offset: int


State = Literal["open", "closed", "all"]


def list_tickets(
    session: Session, sources: SourceSelection, *, state: State, q: str | None, limit: int, offset: int
) -> TicketPage:
    """One page of tickets within the caller's scope, oldest open first (newest closed first)."""
    where: list[ColumnElement[bool]] = [TicketRow.source_id.in_(sources.ids), TicketRow.deleted_at.is_(None)]
    if sources.client_ids is not None:
        where.append(TicketRow.client_id.in_(sorted(sources.client_ids)))
    if state != "all":
        where.append(TicketRow.is_active.is_(state == "open"))
    if q:
        like = f"%{q.strip()}%"
        where.append(or_(TicketRow.subject.ilike(like), TicketRow.number.ilike(like)))
    total = session.scalar(select(func.count()).select_from(TicketRow).where(*where)) or 0
    order = TicketRow.created_at.asc() if state == "open" else TicketRow.created_at.desc()
    rows = session.execute(
        select(TicketRow, SourceRow.name, TeamRow.name, AgentRow.name)
        .join(SourceRow, SourceRow.id == TicketRow.source_id)
        .outerjoin(
            TeamRow, (TeamRow.source_id == TicketRow.source_id) & (TeamRow.external_id == TicketRow.team_external_id)
        )
        .outerjoin(
            AgentRow,
            (AgentRow.source_id == TicketRow.source_id) & (AgentRow.external_id == TicketRow.agent_external_id),
        )
        .where(*where)
        .order_by(order, TicketRow.id)
        .limit(limit)
        .offset(offset)
    ).all()
    now = utcnow()
    items = []
    for ticket, source, team, agent in rows:
        end = ticket.closed_at or now
        items.append(
            TicketOut(
                id=ticket.external_id,
                source=source,
                number=ticket.number,
                subject=ticket.subject,
                status=ticket.status_label,
                status_category=ticket.status_category,
                priority=ticket.priority,
                created_at=ticket.created_at,
                updated_at=ticket.updated_at,
                closed_at=ticket.closed_at,
                age_seconds=max(0, int((end - ticket.created_at).total_seconds())),
                team=team if sources.internal else None,
                agent=agent if sources.internal else None,
                url=ticket.url if sources.internal else None,
            )
        )
    return TicketPage(items=items, total=int(total), limit=limit, offset=offset)


@router.get(
    "/api/tickets",
    response_model=TicketPage,
    dependencies=[Depends(require("tickets:read"))],
    responses=error_responses(described={404: "source names no configured source"}),
)
def tickets(
    session: DbSession,
    sources: Sources,
    state: Annotated[State, Query(description="open (default), closed or all")] = "open",
    q: Annotated[str | None, Query(max_length=200, description="Text in the subject or number")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TicketPage:
    """Tickets the caller may see (customers: their own clients' tickets, without internal fields)."""
    return list_tickets(session, sources, state=state, q=q, limit=limit, offset=offset)
