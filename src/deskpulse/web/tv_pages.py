"""The TV page ``/tv/{playlist}`` and the kiosk entry that opens it on a wall display with no sign-in.

The page carries the rotation and its first slide's data, so it shows numbers before its first request; the
script (static/js/tv.js) then rotates and refreshes each slide from ``/api/tv/{playlist}/slides/{n}``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deskpulse import __version__
from deskpulse.auth import kiosk, sessions
from deskpulse.auth.audit import record
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.web.api.tv import playlist_of, rotation
from deskpulse.web.auth import Public, client_ip, require_page
from deskpulse.web.deps import DbSession
from deskpulse.web.tv_boards import build_slide

router = APIRouter(tags=["pages"], include_in_schema=False)
Viewer = Annotated[Principal, Depends(require_page("dashboard:read"))]


@router.get("/tv/{playlist}", response_class=HTMLResponse)
def tv_page(request: Request, session: DbSession, principal: Viewer, playlist: str) -> Response:
    """Full-screen boards rotating through the playlist (a kiosk TV or any signed-in user)."""
    chosen = playlist_of(request, playlist)
    plan = rotation(chosen, principal)
    first: dict[str, Any] | None = None
    if plan["slides"]:
        first = build_slide(request, session, principal, chosen, plan["slides"][0]["number"] - 1, utcnow())
    root = request.scope.get("root_path", "")
    boot = jsonable_encoder({**plan, "root": root, "first": first})
    context = {"version": __version__, "root": root, "boot": boot, "plan": plan, "first": first}
    response: Response = request.app.state.templates.TemplateResponse(request, "tv.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/kiosk/{secret}/tv/{playlist}", response_model=None, dependencies=[Public])
def open_tv(request: Request, secret: str, playlist: str) -> Response:
    """Start a kiosk session for a live link and open the TV playlist; the kiosk 404 page for a bad link."""
    config: Config = request.app.state.config
    now, ip = utcnow(), client_ip(request)
    with request.app.state.db.session() as session:
        link = kiosk.find(session, secret)
        if link is None:
            record(session, at=now, actor="anonymous", action="kiosk.open", ip=ip, result="refused")
            page = request.app.state.templates.get_template("kiosk_invalid.html")
            html = page.render(root=request.scope.get("root_path", ""), version=__version__)
            return HTMLResponse(html, status_code=404, headers={"Cache-Control": "no-store"})
        token = sessions.start(
            session, now=now, cfg=config.auth, kiosk_link_id=link.id, ip=ip,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
        record(session, at=now, actor=f"kiosk:{link.prefix}", action="kiosk.open", target=f"tv:{playlist}", ip=ip)
    root = request.scope.get("root_path", "")
    response = RedirectResponse(
        f"{root}/tv/{quote(playlist, safe='')}", status_code=303, headers={"Cache-Control": "no-store"}
    )
    response.set_cookie(
        sessions.COOKIE, token, max_age=config.auth.session_absolute_hours * 3600, httponly=True, samesite="lax",
        secure=request.url.scheme == "https" or config.auth.public_url.startswith("https://"), path="/",
    )  # fmt: skip
    return response
