"""Sign-in with password (and TOTP when enrolled), and sign-out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.auth import audit, sessions, tokens, totp
from deskpulse.auth.signin import authenticate
from deskpulse.clock import utcnow
from deskpulse.store.auth_tables import AuditRow, SessionRow, SignInAttemptRow, UserRow
from deskpulse.web.account._common import (
    TOTP_ENROL_PATH,
    clear_session_cookie,
    config_of,
    db_of,
    minutes_text,
    must_enrol_totp,
    redirect,
    render,
    safe_next,
    set_session_cookie,
)
from deskpulse.web.auth import Public, client_ip, optional_principal
from deskpulse.web.i18n import N_, translator

router = APIRouter(include_in_schema=False)

BAD_CREDENTIALS = N_("E-mail or password is wrong.")
WRONG_CODE = N_("That code is wrong. Enter the 6-digit code your authenticator app shows now.")
TOTP_ATTEMPTS = 5
# A password-checked session waiting for its code is only good for a few minutes.
TOTP_PENDING_FOR = timedelta(minutes=10)
NOTICES = {
    "signed-out": N_("You have signed out."),
    "reset": N_("Your password has been changed. Sign in with the new one."),
    "expired": N_("Your sign-in has ended. Sign in again."),
}

FormStr = Annotated[str, Form()]


def _login_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str = "",
    status: int = 200,
    notice: str = "",
    **headers: str,
) -> Response:
    context = {"next": next_path, "email": email, "error": error, "notice": notice}  # render() translates them
    return render(request, "login.html", context, status, **headers)


@router.get("/login", response_class=HTMLResponse, dependencies=[Public])
def login_form(
    request: Request,
    next_path: Annotated[str | None, Query(alias="next")] = None,
    done: Annotated[str | None, Query()] = None,
) -> Response:
    """The sign-in form; a browser that is already signed in goes straight on."""
    target = safe_next(next_path)
    principal = optional_principal(request)
    if principal is not None and principal.kind == "user":
        return redirect(request, target)
    return _login_page(request, next_path=target, notice=NOTICES.get(done or "", ""))


@router.post("/login", response_class=HTMLResponse, dependencies=[Public])
def login_submit(request: Request, email: FormStr = "", password: FormStr = "", next: FormStr = "/") -> Response:
    """Check the password; start a session (pending its TOTP code when the user has one)."""
    config = config_of(request)
    target = safe_next(next)
    now, ip = utcnow(), client_ip(request)
    typed = email.strip().lower()[:320]
    token, pending, enrol = "", False, False
    with db_of(request).session() as session:
        result = authenticate(session, email=typed, password=password, ip=ip, now=now, cfg=config.auth)
        user = result.user
        if result.locked_for:
            audit.record(session, at=now, actor=typed, action="sign_in_locked", ip=ip, result="refused")
        elif user is None:
            audit.record(session, at=now, actor=typed, action="sign_in_failed", ip=ip, result="failed")
        else:
            _revoke_presented(request, session, now)
            pending = bool(user.totp_secret)
            token = sessions.start(
                session,
                now=now,
                cfg=config.auth,
                user_id=user.id,
                mfa_pending=pending,
                ip=ip,
                user_agent=request.headers.get("user-agent"),
            )
            if not pending:
                audit.record(session, at=now, actor=user.email, action="sign_in", ip=ip)
            enrol = must_enrol_totp(config, user)
    if result.locked_for:
        _ = translator(request)
        message = _("Too many failed sign-ins. Try again in %(wait)s.", wait=minutes_text(result.locked_for, _))
        return _login_page(
            request, next_path=target, email=email, error=message, status=429, **{"Retry-After": str(result.locked_for)}
        )
    if user is None:
        return _login_page(request, next_path=target, email=email, error=BAD_CREDENTIALS, status=400)
    if pending:
        response = redirect(request, f"/login/totp?next={_quoted(target)}")
    else:
        response = redirect(request, TOTP_ENROL_PATH if enrol else target)
    set_session_cookie(request, response, token, config)
    return response


def _quoted(path: str) -> str:
    return quote(path, safe="")


def _revoke_presented(request: Request, session: Session, now: datetime) -> None:
    """End the session this browser already had, so every sign-in starts from a fresh token."""
    cookie = request.cookies.get(sessions.COOKIE)
    if cookie:
        row = session.scalar(select(SessionRow).where(SessionRow.token_hash == tokens.digest(cookie)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = now


def _pending_session(request: Request, session: Session) -> SessionRow | None:
    """The browser's password-checked session that still waits for its TOTP code, if any."""
    cookie = request.cookies.get(sessions.COOKIE)
    if not cookie:
        return None
    now = utcnow()
    row = sessions.resolve(session, cookie, now=now, cfg=config_of(request).auth)
    if row is None or not row.mfa_pending or row.user_id is None or now - row.created_at > TOTP_PENDING_FOR:
        return None
    return row


def _wrong_codes(session: Session, row: SessionRow) -> int:
    target = f"session:{row.id}"
    query = (
        select(func.count())
        .select_from(AuditRow)
        .where(AuditRow.action == "sign_in_totp_failed", AuditRow.target == target)
    )
    return int(session.scalar(query) or 0)


@router.get("/login/totp", response_class=HTMLResponse, dependencies=[Public])
def totp_form(request: Request, next_path: Annotated[str | None, Query(alias="next")] = None) -> Response:
    """The second step: the 6-digit code from the authenticator app."""
    target = safe_next(next_path)
    with db_of(request).session() as session:
        pending = _pending_session(request, session) is not None
    if not pending:
        return redirect(request, f"/login?done=expired&next={_quoted(target)}")
    return render(request, "totp.html", {"next": target, "error": ""})


@router.post("/login/totp", response_class=HTMLResponse, dependencies=[Public])
def totp_submit(request: Request, code: FormStr = "", next: FormStr = "/") -> Response:
    """Check the code; on success swap the pending session for a full one (a fresh token)."""
    config = config_of(request)
    target = safe_next(next)
    now, ip = utcnow(), client_ip(request)
    token, error, enrol = "", "", False
    with db_of(request).session() as session:
        row = _pending_session(request, session)
        user = session.get(UserRow, row.user_id) if row is not None and row.user_id is not None else None
        if row is None or user is None or not user.totp_secret or not user.is_active:
            error = "expired"
        elif (step := totp.matched_step(user.totp_secret, code, now.timestamp())) is not None and (
            user.totp_last_step is None or step > user.totp_last_step
        ):
            user.totp_last_step = step
            row.revoked_at = now
            token = sessions.start(
                session, now=now, cfg=config.auth, user_id=user.id, ip=ip, user_agent=request.headers.get("user-agent")
            )
            audit.record(session, at=now, actor=user.email, action="sign_in", ip=ip, detail={"totp": True})
            enrol = must_enrol_totp(config, user)
        else:
            audit.record(
                session,
                at=now,
                actor=user.email,
                action="sign_in_totp_failed",
                target=f"session:{row.id}",
                ip=ip,
                result="failed",
            )
            # Wrong codes count towards the account's lockout, so new pending sessions do not reset the budget.
            session.add(SignInAttemptRow(email=user.email, ip=ip, at=now, success=False))
            session.flush()
            if _wrong_codes(session, row) >= TOTP_ATTEMPTS:
                row.revoked_at = now
                error = "ended"
            else:
                error = "wrong"
    if error == "wrong":
        return render(request, "totp.html", {"next": target, "error": WRONG_CODE}, 400)
    if error:
        response = redirect(request, f"/login?done=expired&next={_quoted(target)}")
        clear_session_cookie(request, response)
        return response
    response = redirect(request, TOTP_ENROL_PATH if enrol else target)
    set_session_cookie(request, response, token, config)
    return response


@router.post("/logout", dependencies=[Public])
def logout(request: Request) -> Response:
    """End this browser's session and drop its cookie (public: an expired session can still sign out)."""
    now = utcnow()
    with db_of(request).session() as session:
        cookie = request.cookies.get(sessions.COOKIE)
        row = sessions.resolve(session, cookie, now=now, cfg=config_of(request).auth) if cookie else None
        if row is not None:
            sessions.revoke(session, row.id, now=now)
            user = session.get(UserRow, row.user_id) if row.user_id is not None else None
            if user is not None:
                audit.record(session, at=now, actor=user.email, action="sign_out", ip=client_ip(request))
    response = redirect(request, "/login?done=signed-out")
    clear_session_cookie(request, response)
    return response
