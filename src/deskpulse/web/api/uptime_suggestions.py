"""Suggested parents from LibreNMS (LLDP/CDP neighbours one role further up, and LibreNMS's own dependency
parents): a person accepts one (the parent is added in a new graph version effective today) or ignores it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy import select

from deskpulse.clock import utcnow
from deskpulse.store.tables import SourceRow
from deskpulse.store.uptime_graphs import version_at
from deskpulse.store.uptime_tables import UptimeSuggestionRow
from deskpulse.uptime.edits import add_parent, has_parent
from deskpulse.web.api.uptime_admin import ERRORS, Admin, store_version
from deskpulse.web.auth import SourceReader
from deskpulse.web.deps import DbSession

router = APIRouter(tags=["uptime configuration"])
StateQ = Annotated[
    Literal["open", "accepted", "ignored", "all"], Query(description="Which suggestions (default: open)")
]


def _row(row: UptimeSuggestionRow, source: str, wired: bool) -> dict[str, Any]:
    return {
        "id": row.id, "source": source, "child": row.child, "parent": row.parent, "protocol": row.protocol,
        "child_port": row.child_port, "parent_port": row.parent_port, "state": row.state, "in_graph": wired,
        "first_seen_at": row.first_seen_at, "last_seen_at": row.last_seen_at, "decided_at": row.decided_at,
        "decided_by": row.decided_by,
    }  # fmt: skip


@router.get("/api/uptime/suggestions", responses=ERRORS)
def suggestions(request: Request, session: DbSession, _: SourceReader, state: StateQ = "open") -> list[dict[str, Any]]:
    """Suggested parents; open ones already wired in today's graph are left out."""
    config = request.app.state.config
    current = version_at(session, config.tz, utcnow().astimezone(config.tz).date())
    names = {sid: name for sid, name in session.execute(select(SourceRow.id, SourceRow.name))}
    query = select(UptimeSuggestionRow).order_by(UptimeSuggestionRow.child, UptimeSuggestionRow.parent)
    if state != "all":
        query = query.where(UptimeSuggestionRow.state == state)
    found = []
    for row in session.scalars(query):
        wired = has_parent(current, row.child, row.parent)
        if state == "open" and wired:
            continue
        found.append(_row(row, names.get(row.source_id, "?"), wired))
    return found


def _decide(request: Request, session: DbSession, principal: Admin, suggestion_id: int, accept: bool) -> Any:
    row = session.get(UptimeSuggestionRow, suggestion_id)
    if row is None:
        raise HTTPException(404, f"No suggestion {suggestion_id}.")
    config = request.app.state.config
    now = utcnow()
    version = None
    if accept:
        current = version_at(session, config.tz, now.astimezone(config.tz).date())
        if not has_parent(current, row.child, row.parent):
            changed = add_parent(current, row.child, row.parent)
            version = store_version(request, session, principal, changed, action="uptime.suggestion.accept", fmt="api",
                             target=f"{row.child} <- {row.parent}",
                             note=f"parent {row.parent} of {row.child} (suggested by {row.protocol})").id  # fmt: skip
    row.state, row.decided_at, row.decided_by = ("accepted" if accept else "ignored"), now, principal.actor
    return {"id": row.id, "state": row.state, "version": version}


@router.post("/api/uptime/suggestions/{suggestion_id}/accept", responses=ERRORS)
def accept(request: Request, session: DbSession, principal: Admin, suggestion_id: int) -> Any:
    """Add the suggested parent above the child in a new version effective today (``version``: its id, null when
    the graph had it already)."""
    return _decide(request, session, principal, suggestion_id, accept=True)


@router.post("/api/uptime/suggestions/{suggestion_id}/ignore", responses=ERRORS)
def ignore(request: Request, session: DbSession, principal: Admin, suggestion_id: int) -> Any:
    """Stop offering this suggestion."""
    return _decide(request, session, principal, suggestion_id, accept=False)
