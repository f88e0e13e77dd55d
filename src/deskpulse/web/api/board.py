"""The agents' work board as JSON: active tickets in sections, each with its SLA badge."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.auth.principal import Principal
from deskpulse.board_config import BoardConfig, BoardView
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.domain.ticket_board import BoardItem, build_board, last_agent_activity
from deskpulse.domain.tickets import Ticket
from deskpulse.name_files import name_file
from deskpulse.store.board_tickets import active_tickets
from deskpulse.store.queries import directory_names
from deskpulse.store.tables import AgentRow
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import Internal
from deskpulse.web.deps import AppConfig, DbSession, Sources, SourceSelection
from deskpulse.web.view_cache import ViewCache

router = APIRouter(tags=["board"], responses=api_errors())


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
    description: str | None
    requester: str | None
    requester_id: str | None
    agent: str | None
    agent_id: str | None
    group: str | None
    group_id: str | None
    priority: str | None
    status: str
    ticket_type: str | None
    created_at: datetime
    last_agent_activity_at: datetime
    age_seconds: int
    since_update_seconds: int
    update_overdue: bool
    sla: SlaOut


class SectionOut(BaseModel):
    key: str
    title: str
    items: list[BoardItemOut]


class ViewOut(BaseModel):
    name: str
    title: str


class BoardOut(BaseModel):
    sections: list[SectionOut]
    total_active: int
    generated_at: datetime
    stale_since: datetime | None
    stale_reason: str | None
    view: str | None
    views: list[ViewOut]
    notice: str | None = None


Keep = Callable[[int, Ticket], bool]


def _matches(wanted: list[str], ext_id: str | None, name: str | None) -> bool:
    """An empty list matches anything; otherwise the vendor id or the name (case-insensitive) must be listed."""
    if not wanted:
        return True
    folded = {w.strip().casefold() for w in wanted}
    return (ext_id is not None and ext_id.casefold() in folded) or (name is not None and name.casefold() in folded)


def _view_filter(
    view: BoardView,
    source_names: dict[int, str],
    teams: dict[tuple[int, str], str],
    agents: dict[tuple[int, str], str],
) -> Keep:
    def keep(sid: int, t: Ticket) -> bool:
        if view.sources and source_names.get(sid) not in view.sources:
            return False
        team = teams.get((sid, t.team_external_id)) if t.team_external_id else None
        agent = agents.get((sid, t.agent_external_id)) if t.agent_external_id else None
        return _matches(view.groups, t.team_external_id, team) and _matches(view.agents, t.agent_external_id, agent)

    return keep


def _my_agent_ids(session: Session, principal: Principal, source_ids: list[int]) -> set[tuple[int, str]]:
    """(source id, agent id) of the agents whose e-mail address is the signed-in user's."""
    if principal.kind != "user" or "@" not in principal.actor:
        raise HTTPException(status_code=400, detail="mine=true needs a signed-in user (API keys have no tickets).")
    rows = session.execute(
        select(AgentRow.source_id, AgentRow.external_id).where(
            AgentRow.source_id.in_(source_ids), func.lower(AgentRow.email) == principal.actor.lower()
        )
    ).all()
    return {(sid, ext) for sid, ext in rows}


def _names(path: str | None) -> dict[str, str]:
    reader = name_file(path)
    return reader.names() if reader is not None else {}


def build_board_out(
    session: Session,
    config: Config,
    sources: SourceSelection,
    principal: Principal,
    *,
    now: datetime,
    agent: str | None = None,
    group: str | None = None,
    view: str | None = None,
    mine: bool = False,
) -> BoardOut:
    """The board at ``now`` for this caller and these filters (raises HTTPException 400 for a bad view)."""
    settings: BoardConfig = config.board
    chosen = settings.view(view) if view is not None else None
    if view is not None and chosen is None:
        known = ", ".join(v.name for v in settings.views) or "none configured"
        raise HTTPException(status_code=400, detail=f"Unknown board view {view!r}; views: {known}.")
    loaded = active_tickets(session, sources.ids, sources.client_ids)
    source_names = {r.id: r.name for r in sources.rows}
    teams, agents = directory_names(session, sources.ids)
    filters: list[Keep] = []
    if chosen is not None:
        filters.append(_view_filter(chosen, source_names, teams, agents))
    notice = None
    if mine:
        own = _my_agent_ids(session, principal, sources.ids)
        filters.append(lambda sid, t: (sid, t.agent_external_id or "") in own)
        if not own:
            notice = f"No agent in the synced sources has the e-mail address {principal.actor}."
    kept = [(sid, t) for sid, t in loaded if all(f(sid, t) for f in filters)]
    source_of = {id(t): sid for sid, t in kept}
    result = build_board([t for _, t in kept], now, settings.rules(), agent=agent, group=group)
    agent_names, requester_names = _names(settings.agent_names_file), _names(settings.requester_names_file)

    def item(i: BoardItem) -> BoardItemOut:
        t, sid = i.ticket, source_of[id(i.ticket)]
        agent_name = t.agent_external_id and (
            agent_names.get(t.agent_external_id) or agents.get((sid, t.agent_external_id))
        )
        requester = (t.requester_external_id and requester_names.get(t.requester_external_id)) or t.requester_name
        return BoardItemOut(
            id=t.external_id,
            source=source_names.get(sid, ""),
            url=t.url,
            subject=t.subject,
            description=t.description,
            requester=requester or None,
            requester_id=t.requester_external_id,
            agent=agent_name or None,
            agent_id=t.agent_external_id,
            group=teams.get((sid, t.team_external_id)) if t.team_external_id else None,
            group_id=t.team_external_id,
            priority=t.priority.value if t.priority else None,
            status=t.status_label,
            ticket_type=t.ticket_type,
            created_at=t.created_at,
            last_agent_activity_at=last_agent_activity(t),
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
        view=chosen.name if chosen is not None else None,
        views=[ViewOut(name=v.name, title=v.label) for v in settings.views],
        notice=notice,
    )


def cached_board(
    request: Request,
    session: Session,
    config: Config,
    sources: SourceSelection,
    principal: Principal,
    **filters: Any,
) -> tuple[BoardOut, bytes, bytes]:
    """The board, its JSON and the JSON gzipped, computed once per minute per (sync state, scope, filters, name files).

    Between two syncs nothing but the clock changes the board; ages and SLA badges are reckoned from the start
    of the minute (``generated_at``), so a wall of agents refreshing costs one computation a minute.
    """
    now = utcnow().replace(second=0, microsecond=0)
    settings: BoardConfig = config.board
    names = (_names(settings.agent_names_file), _names(settings.requester_names_file))
    key = (
        now,
        tuple((r.id, r.last_ok_at, r.data_version, r.stale_since, r.last_error) for r in sources.rows),
        sources.client_ids,
        tuple(sorted(filters.items())),
        principal.actor if filters.get("mine") else None,
        id(names[0]),
        id(names[1]),
    )
    cache: ViewCache[tuple[BoardOut, bytes, bytes]] | None = getattr(request.app.state, "board_cache", None)
    if cache is None:
        cache = request.app.state.board_cache = ViewCache[tuple[BoardOut, bytes, bytes]](size=32)
    found = cache.get(key)
    if found is None:
        out = build_board_out(session, config, sources, principal, now=now, **filters)
        body = out.model_dump_json().encode()
        # Compressed once per computation: a wall of screens then costs a copy, not a compression, per view.
        found = (out, body, gzip.compress(body, compresslevel=5, mtime=0))
        cache.put(key, found)
    return found


@router.get(
    "/api/board",
    response_model=BoardOut,
    responses=error_responses(
        described={400: "Unknown view, or mine=true without a signed-in user", 404: "source names no source"}
    ),
)
def board(
    request: Request,
    session: DbSession,
    config: AppConfig,
    sources: Sources,
    principal: Internal,
    agent: Annotated[str | None, Query(max_length=64, description="Only this agent's tickets (vendor id)")] = None,
    group: Annotated[
        str | None, Query(max_length=64, description="Only this group's/team's tickets (vendor id)")
    ] = None,
    view: Annotated[str | None, Query(max_length=40, description="A named view from the [board] config")] = None,
    mine: Annotated[bool, Query(description="Only tickets assigned to the signed-in user's agent account")] = False,
) -> Response:
    """Active tickets in four sections (waiting on agent, update overdue, open, other active), staff only."""
    _, body, packed = cached_board(
        request, session, config, sources, principal, agent=agent, group=group, view=view, mine=mine
    )
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(content=packed, media_type="application/json", headers=headers)
    return Response(content=body, media_type="application/json", headers={"Vary": "Accept-Encoding"})
