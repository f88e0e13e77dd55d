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
    return start_kiosk(request, secret, "/", audit_target=None)


def start_kiosk(request: Request, secret: str, path: str, *, audit_target: str | None) -> Response:
    """Open kiosk link ``secret``: a read-only session cookie and a redirect to ``path`` (under the app's root
    path); the kiosk 404 page for an unknown or revoked link. Every opening is audited (``audit_target``, else
    the link's prefix)."""
    config: Config = request.app.state.config
    now = utcnow()
    ip = client_ip(request)
    root = request.scope.get("root_path", "")
    with request.app.state.db.session() as session:
        link = kiosk.find(session, secret)
        if link is None:
            record(session, at=now, actor="anonymous", action="kiosk.open", ip=ip, result="refused")
            page = request.app.state.templates.get_template("kiosk_invalid.html")
            html = page.render(request=request, root=root, version=__version__)
            return HTMLResponse(html, status_code=404, headers={"Cache-Control": "no-store"})
        token = sessions.start(
            session, now=now, cfg=config.auth, kiosk_link_id=link.id, ip=ip,
            user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
        record(session, at=now, actor=f"kiosk:{link.prefix}", action="kiosk.open",
               target=audit_target or link.prefix, ip=ip)  # fmt: skip
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
