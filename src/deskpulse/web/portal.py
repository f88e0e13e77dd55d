"""The customer portal: a client's own open tickets, server-rendered (works without JavaScript)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from deskpulse import __version__
from deskpulse.auth.principal import Principal
from deskpulse.store.clients import all_clients
from deskpulse.web.api.tickets import State, list_tickets
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession, select_sources

router = APIRouter(tags=["pages"])
PAGE_SIZE = 50


@router.get("/portal", response_class=HTMLResponse, include_in_schema=False)
def portal(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require_page("tickets:read"))],
    state: Annotated[State, Query()] = "open",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Open (or closed) tickets of the clients the caller may see; JSON twin: /api/tickets."""
    config = request.app.state.config
    sources = select_sources(session, config, principal, None)
    listing = list_tickets(session, sources, state=state, q=None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    clients = [c.name for c in all_clients(session) if principal.sees_client(c.id)]
    context: dict[str, Any] = {
        "principal": principal,
        "version": __version__,
        "root": request.scope.get("root_path", ""),
        "timezone": config.timezone,
        "clients": clients if principal.client_ids is not None else [],
        "tickets": listing.items,
        "total": listing.total,
        "state": state,
        "page": page,
        "pages": max(1, -(-listing.total // PAGE_SIZE)),
    }
    return request.app.state.templates.TemplateResponse(request, "portal.html", context)  # type: ignore[no-any-return]
