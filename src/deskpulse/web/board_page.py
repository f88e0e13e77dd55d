"""The agents' work board page: server-rendered sections (JSON twin: /api/board)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from deskpulse import __version__
from deskpulse.auth.principal import Principal
from deskpulse.web.alerts_pages import alerts_panel
from deskpulse.web.api.board import cached_board
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession, select_sources
from deskpulse.web.i18n import N_

router = APIRouter(tags=["pages"])
# The board's section titles come from domain/ticket_board.py in English; listed here so the catalog has them
# (tests/web/test_i18n.py checks that every title is in this list).
SECTION_TITLES = (
    N_("Waiting on agent"),
    N_("Needs agent / update overdue"),
    N_("Open"),
    N_("Other active"),
)


@router.get("/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require_page("tickets:internal"))],
    agent: Annotated[str | None, Query(max_length=64)] = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
    source: Annotated[str | None, Query(max_length=40)] = None,
    view: Annotated[str | None, Query(max_length=40)] = None,
    mine: bool = False,
) -> Response:
    """Active tickets in sections with SLA badges; refreshes itself (``[board] refresh_seconds``)."""
    config = request.app.state.config
    sources = select_sources(session, config, principal, source)
    data, _, _ = cached_board(
        request, session, config, sources, principal, agent=agent, group=group, view=view or None, mine=mine
    )
    context: dict[str, Any] = {
        "principal": principal,
        "version": __version__,
        "root": request.scope.get("root_path", ""),
        "board": data,
        "refresh_seconds": config.board.refresh_seconds,
        "filters": {"agent": agent, "group": group, "source": source, "view": view, "mine": mine},
        "can_mine": principal.kind == "user",
        "alerts_panel": alerts_panel(request, session, principal),
    }
    return request.app.state.templates.TemplateResponse(request, "board.html", context)  # type: ignore[no-any-return]
