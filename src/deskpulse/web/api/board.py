"""The agents' work board as JSON: active tickets in sections, each with its SLA badge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from deskpulse.clock import utcnow
from deskpulse.domain.ticket_board import BoardItem, build_board
from deskpulse.store.board_tickets import active_tickets
from deskpulse.store.queries import directory_names
from deskpulse.web.auth import Internal
from deskpulse.web.deps import DbSession, Sources

router = APIRouter(tags=["board"])


class SlaOut(BaseModel):
    state: str
    text: str
    due_at: datetime | None
    remaining_seconds: int | None


class BoardItemOut(BaseModel):
    id: str
    source: str
    url: str | None
    subject: str | None
    requester: str | None
    agent: str | None
    group: str | None
    priority: str | None
    status: str
    age_seconds: int
    since_update_seconds: int
    update_overdue: bool
    sla: SlaOut


class SectionOut(BaseModel):
    key: str
    title: str
    items: list[BoardItemOut]


class BoardOut(BaseModel):
    sections: list[SectionOut]
    total_active: int
    generated_at: datetime
    stale_since: datetime | None
    stale_reason: str | None


@router.get("/api/board", response_model=BoardOut, responses={401: {"description": "Not signed in"}})
def board(
    session: DbSession,
    sources: Sources,
    _: Internal,
    agent: Annotated[str | None, Query(max_length=64, description="Only this agent's tickets (vendor id)")] = None,
    group: Annotated[
        str | None, Query(max_length=64, description="Only this group's/team's tickets (vendor id)")
    ] = None,
) -> BoardOut:
    """Active tickets in four sections (waiting on agent, update overdue, open, other active), staff only."""
    now = utcnow()
    loaded = active_tickets(session, sources.ids, sources.client_ids)
    source_of = {t.external_id: sid for sid, t in loaded}
    names = {r.id: r.name for r in sources.rows}
    teams, agents = directory_names(session, sources.ids)
    result = build_board([t for _, t in loaded], now, agent=agent, group=group)

    def item(i: BoardItem) -> BoardItemOut:
        t, sid = i.ticket, source_of[i.ticket.external_id]
        return BoardItemOut(
            id=t.external_id,
            source=names.get(sid, ""),
            url=t.url,
            subject=t.subject,
            requester=t.requester_name,
            agent=agents.get((sid, t.agent_external_id)) if t.agent_external_id else None,
            group=teams.get((sid, t.team_external_id)) if t.team_external_id else None,
            priority=t.priority.value if t.priority else None,
            status=t.status_label,
            age_seconds=i.age_seconds,
            since_update_seconds=i.since_update_seconds,
            update_overdue=i.update_overdue,
            sla=SlaOut(
                state=i.sla.state.value,
                text=i.sla.text,
                due_at=i.sla.due_at,
                remaining_seconds=i.sla.remaining_seconds,
            ),
        )

    stale_since, reason = sources.stale
    return BoardOut(
        sections=[SectionOut(key=s.key, title=s.title, items=[item(i) for i in s.items]) for s in result.sections],
        total_active=result.total_active,
        generated_at=now,
        stale_since=stale_since,
        stale_reason=reason,
    )
