"""The first administrator: a single-use set-up link (24 hours), offered only while there are no users."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from deskpulse.auth import audit, onetime, sessions
from deskpulse.auth.passwords import PasswordPolicyError
from deskpulse.auth.roles import Role
from deskpulse.auth.users import UserError, count_users, create_user
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.web.account._common import (
    TOTP_ENROL_PATH,
    config_of,
    db_of,
    redirect,
    render,
    set_session_cookie,
)
from deskpulse.web.auth import Public, client_ip
from deskpulse.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)

SETUP_TTL = timedelta(hours=24)
BAD_LINK = N_(
    "This set-up link has expired, has already been used, or an administrator already exists. "
    "Sign in instead, or restart the server for a new link while there are no users."
)
FormStr = Annotated[str, Form()]


def ensure_first_admin_link(db: Database, config: Config, now: datetime) -> str | None:
    """A fresh first-admin set-up URL while no user exists (to log at start-up); None once there are users."""
    with db.session() as session:
        if count_users(session):
            return None
        token = onetime.issue(session, purpose=onetime.FIRST_ADMIN, now=now, ttl=SETUP_TTL)
    return f"{config.auth.public_url.rstrip('/')}/setup/{token}"


def _form(request: Request, *, email: str = "", name: str = "", error: str = "", status: int = 200) -> Response:
    context = {
        "email": email,
        "name": name,
        "error": error,
        "valid": True,
        "min_length": config_of(request).auth.password_min_length,
    }
    return render(request, "setup.html", context, status)


def _bad_link(request: Request) -> Response:
    return render(request, "setup.html", {"valid": False, "error": BAD_LINK}, 400)


@router.get("/setup/{token}", response_class=HTMLResponse, dependencies=[Public])
def setup_form(request: Request, token: str) -> Response:
    """The form that creates the first administrator."""
    with db_of(request).session() as session:
        valid = not count_users(session) and onetime.peek(session, token, purpose=onetime.FIRST_ADMIN, now=utcnow())
    return _form(request) if valid else _bad_link(request)


@router.post("/setup/{token}", response_class=HTMLResponse, dependencies=[Public])
def setup_submit(
    request: Request,
    token: str,
    email: FormStr = "",
    name: FormStr = "",
    password: FormStr = "",
    repeat: FormStr = "",
) -> Response:
    """Create the administrator, use the link up and sign them in."""
    config = config_of(request)
    now, ip = utcnow(), client_ip(request)
    token_value, error = "", ""
    with db_of(request).session() as session:
        if count_users(session) or onetime.peek(session, token, purpose=onetime.FIRST_ADMIN, now=now) is None:
            return _bad_link(request)
        error = "" if password == repeat else N_("The password and its repetition are not the same.")
        if not error:
            try:
                # Refuses a bad address or weak password before writing anything, so the link stays usable.
                user = create_user(
                    session,
                    email=email,
                    role=Role.ADMIN,
                    now=now,
                    password=password,
                    name=name,
                    min_password_length=config.auth.password_min_length,
                )
            except UserError as exc:
                error = str(exc)
            except PasswordPolicyError as exc:
                error = exc.sentence.in_language(translator(request))
        if not error:
            onetime.consume(session, token, purpose=onetime.FIRST_ADMIN, now=now)
            token_value = sessions.start(
                session, now=now, cfg=config.auth, user_id=user.id, ip=ip, user_agent=request.headers.get("user-agent")
            )
            audit.record(session, at=now, actor=user.email, action="first_admin_created", target=user.email, ip=ip)
            audit.record(session, at=now, actor=user.email, action="sign_in", ip=ip)
    if error:
        return _form(request, email=email, name=name, error=error, status=400)
    # With no source yet, the new admin goes on to the set-up wizard (web/setup_wizard.py).
    after = "/" if config.sources else "/setup/source"
    response = redirect(request, TOTP_ENROL_PATH if config.auth.require_totp_for_admins else after)
    set_session_cookie(request, response, token_value, config)
    return response
