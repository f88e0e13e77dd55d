"""The kiosk entry: a TV opens its link once and keeps a read-only session cookie for the dashboard."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deskpulse import __version__
from deskpulse.auth import kiosk, sessions
from deskpulse.auth.audit import record
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.web.auth import Public, client_ip

router = APIRouter(tags=["kiosk"])


@router.get("/kiosk/{secret}", include_in_schema=False, dependencies=[Public], response_model=None)
def open_kiosk(request: Request, secret: str) -> Response:
    """Start a kiosk session for a live link and show the dashboard (a link made for one TV playlist shows that
    playlist); a 404 page for unknown or revoked links."""
    return start_kiosk(request, secret, None)


def invalid_link_page(request: Request) -> HTMLResponse:
    """The kiosk 404 page: an unknown or revoked link, or a page the link does not open."""
    page = request.app.state.templates.get_template("kiosk_invalid.html")
    html = page.render(request=request, root=request.scope.get("root_path", ""), version=__version__)
    return HTMLResponse(html, status_code=404, headers={"Cache-Control": "no-store"})


def start_kiosk(request: Request, secret: str, playlist: str | None) -> Response:
    """Open kiosk link ``secret``: a read-only session cookie and a redirect to TV ``playlist`` (None: the
    dashboard, or the link's own playlist); the kiosk 404 page for an unknown or revoked link and for a playlist
    the link was not made for. Every opening is audited."""
    config: Config = request.app.state.config
    now = utcnow()
    ip = client_ip(request)
    root = request.scope.get("root_path", "")
    with request.app.state.db.session() as session:
        link = kiosk.find(session, secret)
        if link is not None and playlist is None:
            limited = kiosk.tv_only(link.boards)
            playlist = min(limited) if limited else None
        if link is None or (playlist is not None and not kiosk.opens_playlist(link.boards, playlist)):
            actor = "anonymous" if link is None else f"kiosk:{link.prefix}"
            target = None if playlist is None else f"tv:{playlist}"
            record(session, at=now, actor=actor, action="kiosk.open", target=target, ip=ip, result="refused")
            return invalid_link_page(request)
        path = "/" if playlist is None else f"/tv/{quote(playlist, safe='')}"
        audit_target = link.prefix if playlist is None else f"tv:{playlist}"
        token = sessions.start(
            session, now=now, cfg=config.auth, kiosk_link_id=link.id, ip=ip,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
        record(session, at=now, actor=f"kiosk:{link.prefix}", action="kiosk.open",
               target=audit_target, ip=ip)  # fmt: skip
    response = RedirectResponse(f"{root}{path}", status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=config.auth.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or config.auth.public_url.startswith("https://"),
        path="/",
    )
    return response
