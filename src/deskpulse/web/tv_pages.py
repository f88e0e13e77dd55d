"""The TV page ``/tv/{playlist}`` and the kiosk entry that opens it on a wall display with no sign-in.

The page carries the rotation and its first slide's data, so it shows numbers before its first request; the
script (static/js/tv.js) then rotates and refreshes each slide from ``/api/tv/{playlist}/slides/{n}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, Response

from deskpulse import __version__
from deskpulse.auth import kiosk
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.web.api.tv import playlist_of, rotation, screen_language
from deskpulse.web.auth import Public, require_page
from deskpulse.web.deps import DbSession
from deskpulse.web.i18n import translator_for
from deskpulse.web.kiosk import invalid_link_page, start_kiosk
from deskpulse.web.tv_boards import build_slide

router = APIRouter(tags=["pages"], include_in_schema=False)
Viewer = Annotated[Principal, Depends(require_page("dashboard:read"))]


@router.get("/tv/{playlist}", response_class=HTMLResponse)
def tv_page(request: Request, session: DbSession, principal: Viewer, playlist: str) -> Response:
    """Full-screen boards rotating through the playlist (a kiosk TV or any signed-in user); a kiosk link made for
    another playlist gets the page of an invalid link."""
    if principal.kind == "kiosk" and not kiosk.opens_playlist(principal.kiosk_boards or (), playlist):
        return invalid_link_page(request)
    chosen = playlist_of(request, playlist)
    language = screen_language(request, chosen)
    plan = rotation(chosen, principal, translator_for(language))
    first: dict[str, Any] | None = None
    if plan["slides"]:
        first = build_slide(request, session, principal, chosen, plan["slides"][0]["number"] - 1, utcnow(), language)
    root = request.scope.get("root_path", "")
    boot = jsonable_encoder({**plan, "root": root, "first": first})
    # ``language`` makes the page (``<html lang>``, its words and the script strings) speak the screen's language.
    context = {"version": __version__, "root": root, "boot": boot, "plan": plan, "first": first, "language": language}
    response: Response = request.app.state.templates.TemplateResponse(request, "tv.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/kiosk/{secret}/tv/{playlist}", response_model=None, dependencies=[Public])
def open_tv(request: Request, secret: str, playlist: str) -> Response:
    """Start a kiosk session for a live link and open the TV playlist; the kiosk 404 page for a bad link."""
    return start_kiosk(request, secret, playlist)
