"""Forgotten password: a single-use link by e-mail (1 hour), then a new-password form."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.auth import audit, onetime, sessions
from deskpulse.auth.mail import MailError, send_mail
from deskpulse.auth.passwords import PasswordPolicyError, check_policy, hash_password
from deskpulse.auth.users import find_user
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.auth_tables import OneTimeTokenRow, UserRow
from deskpulse.store.db import Database
from deskpulse.web.account._common import config_of, db_of, redirect, render
from deskpulse.web.auth import Public, client_ip
from deskpulse.web.i18n import N_, browser_language, supported, translator, translator_for

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

RESET_TTL = timedelta(hours=1)
# More links than this per account and hour are not sent: enough for a lost mail, too few to flood an inbox.
MAX_LINKS_PER_HOUR = 3
SENT = N_("If an account exists for that address, we sent a link.")
BAD_LINK = N_("This password-reset link has expired or has already been used. Ask for a new one below.")
FormStr = Annotated[str, Form()]


@router.get("/password-reset", response_class=HTMLResponse, dependencies=[Public])
def reset_request_form(request: Request) -> Response:
    """Ask for a reset link."""
    return render(request, "password_reset_request.html", {"message": ""})


def _recent_links(session: Session, user_id: int, now: datetime) -> int:
    query = (
        select(func.count())
        .select_from(OneTimeTokenRow)
        .where(
            OneTimeTokenRow.user_id == user_id,
            OneTimeTokenRow.purpose == onetime.RESET,
            OneTimeTokenRow.created_at >= now - RESET_TTL,
        )
    )
    return int(session.scalar(query) or 0)


def _issue(db: Database, config: Config, email: str, ip: str) -> tuple[str, str, str | None] | None:
    """(address, link, the user's language) when a link should be mailed; None for unknown, inactive or throttled
    accounts."""
    now = utcnow()
    typed = email.strip().lower()[:320]
    with db.session() as session:
        user = find_user(session, typed) if typed else None
        if user is None or not user.is_active:
            audit.record(session, at=now, actor=typed, action="password_reset_requested", ip=ip, result="unknown")
            return None
        if _recent_links(session, user.id, now) >= MAX_LINKS_PER_HOUR:
            audit.record(
                session,
                at=now,
                actor=typed,
                action="password_reset_requested",
                target=user.email,
                ip=ip,
                result="throttled",
            )
            return None
        token = onetime.issue(session, purpose=onetime.RESET, now=now, ttl=RESET_TTL, user_id=user.id)
        audit.record(session, at=now, actor=typed, action="password_reset_requested", target=user.email, ip=ip)
        return user.email, f"{config.auth.public_url.rstrip('/')}/password-reset/{token}", user.language


def reset_mail(link: str, language: str) -> tuple[str, str]:
    """(subject, text) of the reset e-mail in ``language``."""
    _ = translator_for(language)
    text = (
        _("Someone (hopefully you) asked to reset the password of your deskpulse account.")
        + "\n\n"
        + _("Open this link within one hour to choose a new password:")
        + f"\n{link}\n\n"
        + _("If you did not ask for this, ignore this e-mail: your password stays as it is.")
        + "\n"
    )
    return _("Reset your deskpulse password"), text


async def _mail_link(db: Database, config: Config, address: str, link: str, ip: str, language: str = "en") -> None:
    """Send the link; a failure is logged and audited, never shown (the page must not reveal accounts)."""
    subject, text = reset_mail(link, language)
    try:
        message_id = await send_mail(config.smtp, address, subject, text)
    except MailError as exc:
        log.warning("Password-reset e-mail to %s was not sent: %s", address, exc)
        problem = str(exc)

        def note() -> None:
            with db.session() as session:
                audit.record(
                    session,
                    at=utcnow(),
                    actor=address,
                    action="password_reset_mail_failed",
                    target=address,
                    ip=ip,
                    result="failed",
                    detail={"error": problem},
                )

        await run_in_threadpool(note)
        return
    log.info("Password-reset e-mail to %s sent as %s.", address, message_id)


@router.post("/password-reset", response_class=HTMLResponse, dependencies=[Public])
async def reset_request(request: Request, background: BackgroundTasks, email: FormStr = "") -> Response:
    """Always the same answer; the e-mail goes out after the response, so timing does not reveal accounts."""
    db, config, ip = db_of(request), config_of(request), client_ip(request)
    issued = await run_in_threadpool(_issue, db, config, email, ip)
    if issued is not None:
        # The account's own language, else the language of the browser that asked (most likely the same person).
        address, link, chosen = issued
        language = supported(chosen) or browser_language(request.headers.get("accept-language"))
        background.add_task(_mail_link, db, config, address, link, ip, language)
    return render(request, "password_reset_request.html", {"message": SENT}, 202)


def _bad_link(request: Request) -> Response:
    return render(request, "password_reset.html", {"valid": False, "error": BAD_LINK}, 400)


@router.get("/password-reset/{token}", response_class=HTMLResponse, dependencies=[Public])
def reset_form(request: Request, token: str) -> Response:
    """The new-password form, when the link is still valid."""
    with db_of(request).session() as session:
        row = onetime.peek(session, token, purpose=onetime.RESET, now=utcnow())
        user = session.get(UserRow, row.user_id) if row is not None and row.user_id is not None else None
        email = user.email if user is not None and user.is_active else None
    if email is None:
        return _bad_link(request)
    context = {"valid": True, "email": email, "error": "", "min_length": config_of(request).auth.password_min_length}
    return render(request, "password_reset.html", context)


@router.post("/password-reset/{token}", response_class=HTMLResponse, dependencies=[Public])
def reset_submit(request: Request, token: str, new: FormStr = "", repeat: FormStr = "") -> Response:
    """Set the new password, use the link up and sign the account out everywhere."""
    now, ip, min_length = utcnow(), client_ip(request), config_of(request).auth.password_min_length
    with db_of(request).session() as session:
        row = onetime.peek(session, token, purpose=onetime.RESET, now=now)
        user = session.get(UserRow, row.user_id) if row is not None and row.user_id is not None else None
        if user is None or not user.is_active:
            return _bad_link(request)
        error = "" if new == repeat else N_("The new password and its repetition are not the same.")
        if not error:
            try:
                check_policy(new, min_length=min_length, email=user.email)
            except PasswordPolicyError as exc:
                error = exc.sentence.in_language(translator(request))
        if not error:
            onetime.consume(session, token, purpose=onetime.RESET, now=now)
            user.password_hash = hash_password(new)
            user.password_changed_at = now
            sessions.revoke_all_for_user(session, user.id, now=now)
            audit.record(session, at=now, actor=user.email, action="password_reset", target=user.email, ip=ip)
        email = user.email
    if error:
        context = {"valid": True, "email": email, "error": error, "min_length": min_length}
        return render(request, "password_reset.html", context, 400)
    return redirect(request, "/login?done=reset")
