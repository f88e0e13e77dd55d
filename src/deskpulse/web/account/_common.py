"""Helpers shared by the sign-in and account pages: rendering, the session cookie, safe redirects."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from deskpulse import __version__
from deskpulse.auth import sessions
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.config import Config
from deskpulse.store.auth_tables import UserRow
from deskpulse.store.db import Database
from deskpulse.web.i18n import DEFAULT_LANGUAGE, Translator, translator, translator_for

# Pages that show secrets or take passwords must not be cached or leak their URL (reset tokens) to others.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
TOTP_ENROL_PATH = "/account/totp"


def config_of(request: Request) -> Config:
    """The app's configuration."""
    config: Config = request.app.state.config
    return config


def db_of(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.db
    return db


def render(request: Request, template: str, context: dict[str, Any], status: int = 200, **headers: str) -> Response:
    """A page from ``templates/`` with the values every page uses (root path, version, no-store headers)."""
    values: dict[str, Any] = {"root": request.scope.get("root_path", ""), "version": __version__, "principal": None}
    values.update(context)
    # Messages arrive as English sentences marked with N_ (or already translated, which passes through unchanged).
    _ = translator(request)
    for key in ("error", "notice", "message"):
        if isinstance(values.get(key), str) and values[key]:
            values[key] = _(values[key])
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, values, status_code=status, headers=NO_STORE | headers
    )
    return response


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 to a same-site ``path`` (so a POST is followed by a GET)."""
    return RedirectResponse(request.scope.get("root_path", "") + path, status_code=303, headers=NO_STORE)


def safe_next(value: str | None) -> str:
    """``value`` when it is a relative path on this site, else ``/``: a sign-in must never redirect elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    # Browsers read "\" as "/", so "/\evil.example" would leave the site; control characters are never needed.
    if "\\" in value or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def set_session_cookie(request: Request, response: Response, token: str, config: Config) -> None:
    """Put the session token in an HttpOnly, SameSite=Lax cookie that lives no longer than the session."""
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=config.auth.session_absolute_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(
        sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def must_enrol_totp(config: Config, user: UserRow) -> bool:
    """True when this server requires TOTP for administrators and this administrator has none yet."""
    return config.auth.require_totp_for_admins and user.role == Role.ADMIN.value and not user.totp_secret


def enrolment_redirect(request: Request, principal: Principal) -> Response | None:
    """A redirect to TOTP enrolment when the signed-in user must enrol before doing anything else."""
    config = config_of(request)
    if not config.auth.require_totp_for_admins or principal.role is not Role.ADMIN or principal.user_id is None:
        return None
    with db_of(request).session() as session:
        user = session.get(UserRow, principal.user_id)
        needed = user is not None and must_enrol_totp(config, user)
    return redirect(request, TOTP_ENROL_PATH) if needed else None


def minutes_text(seconds: int, _: Translator | None = None) -> str:
    """``seconds`` rounded up to whole minutes, as words ("1 minute", "15 minutes"), in the language of ``_``."""
    _ = _ or translator_for(DEFAULT_LANGUAGE)
    minutes = max(1, math.ceil(seconds / 60))
    return _("1 minute") if minutes == 1 else _("%(count)d minutes", count=minutes)
