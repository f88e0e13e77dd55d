"""The kiosk entry: a TV opens its link once and keeps a read-only session cookie for the dashboard."""

from __future__ import annotations

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
    """Start a kiosk session for a live link and show the dashboard; a 404 page for unknown or revoked links."""
    config: Config = request.app.state.config
    now = utcnow()
    ip = client_ip(request)
    with request.app.state.db.session() as session:
        link = kiosk.find(session, secret)
        if link is None:
            record(session, at=now, actor="anonymous", action="kiosk.open", ip=ip, result="refused")
            page = request.app.state.templates.get_template("kiosk_invalid.html")
            html = page.render(request=request, root=request.scope.get("root_path", ""), version=__version__)
            return HTMLResponse(html, status_code=404, headers={"Cache-Control": "no-store"})
        token = sessions.start(
            session, now=now, cfg=config.auth, kiosk_link_id=link.id, ip=ip,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
        record(session, at=now, actor=f"kiosk:{link.prefix}", action="kiosk.open", target=link.prefix, ip=ip)
    response = RedirectResponse("/", status_code=303, headers={"Cache-Control": "no-store"})
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
