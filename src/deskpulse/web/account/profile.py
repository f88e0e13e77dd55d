"""The signed-in user's own account: who am I, language, change password, two-step sign-in (TOTP)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from deskpulse.auth import audit, sessions, totp
from deskpulse.auth.passwords import PasswordPolicyError, check_policy, hash_password, verify_password
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import SCOPED_ROLES, Role
from deskpulse.auth.signin import lockout_seconds
from deskpulse.auth.users import user_client_keys
from deskpulse.clock import utcnow
from deskpulse.store.auth_tables import SignInAttemptRow, UserRow
from deskpulse.web.account._common import (
    config_of,
    db_of,
    enrolment_redirect,
    minutes_text,
    redirect,
    render,
)
from deskpulse.web.auth import client_ip, require, require_page
from deskpulse.web.i18n import LANGUAGES, N_, forget_language, translator

router = APIRouter(include_in_schema=False)

AccountPage = Annotated[Principal, Depends(require_page("account:self"))]
AccountAction = Annotated[Principal, Depends(require("account:self"))]
FormStr = Annotated[str, Form()]
NOTICES = {
    "password": N_("Your password has been changed. Your other sessions have been signed out."),
    "totp-on": N_("Two-step sign-in is on. You will be asked for a code at every sign-in."),
    "totp-off": N_("Two-step sign-in is off."),
    "language": N_("Your language has been saved."),
}


def _user(session: Session, principal: Principal) -> UserRow:
    user = session.get(UserRow, principal.user_id) if principal.user_id is not None else None
    if user is None:  # an API key or kiosk has no account page
        raise HTTPException(403, "Only a signed-in user has an account page.")
    return user


def _account_page(request: Request, principal: Principal, *, status: int = 200, **extra: Any) -> Response:
    config = config_of(request)
    with db_of(request).session() as session:
        user = _user(session, principal)
        clients = user_client_keys(session, user.id) if principal.role in SCOPED_ROLES else None
        context: dict[str, Any] = {
            "principal": principal,
            "user": {
                "name": user.name,
                "email": user.email,
                "totp": bool(user.totp_secret),
                "language": user.language,
            },
            "role_value": principal.role.value,
            "clients": clients,
            "totp_required": config.auth.require_totp_for_admins and principal.role is Role.ADMIN,
            "min_length": config.auth.password_min_length,
            "password_error": "",
            "totp_error": "",
            "notice": "",
        }
    context.update(extra)
    _ = translator(request)  # form errors arrive as English N_ sentences (or already translated ones)
    for key in ("password_error", "totp_error"):
        context[key] = _(context[key]) if context[key] else ""
    return render(request, "account.html", context, status)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: AccountPage, done: Annotated[str | None, Query()] = None) -> Response:
    """Who am I, change password, two-step sign-in."""
    notice = NOTICES.get(done or "")
    return enrolment_redirect(request, principal) or _account_page(
        request, principal, notice=translator(request)(notice) if notice else ""
    )


@router.post("/account/language", response_class=HTMLResponse)
def choose_language(request: Request, principal: AccountAction, language: FormStr = "") -> Response:
    """Store the user's language ("nl", "en"), or "" to follow the browser's Accept-Language."""
    if language and language not in LANGUAGES:
        _ = translator(request)
        raise HTTPException(400, _("Choose one of: %(choices)s, or the browser default.", choices=", ".join(LANGUAGES)))
    with db_of(request).session() as session:
        _user(session, principal).language = language or None
    forget_language(request)
    return redirect(request, "/account?done=language")


def _check_current(session: Session, request: Request, user: UserRow, password: str) -> str:
    """'' when ``password`` is the user's; else a sentence. Failures count towards the sign-in lockout."""
    now, ip, cfg = utcnow(), client_ip(request), config_of(request).auth
    _ = translator(request)
    locked = lockout_seconds(session, email=user.email, ip=ip, now=now, cfg=cfg)
    if locked:
        return _("Too many wrong passwords. Try again in %(wait)s.", wait=minutes_text(locked, _))
    if verify_password(user.password_hash, password):
        return ""
    session.add(SignInAttemptRow(email=user.email, ip=ip, at=now, success=False))
    return _("The current password is wrong.")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    principal: AccountAction,
    current: FormStr = "",
    new: FormStr = "",
    repeat: FormStr = "",
) -> Response:
    """Change the password; every other session of this user is signed out."""
    if (gate := enrolment_redirect(request, principal)) is not None:
        return gate
    now, ip = utcnow(), client_ip(request)
    min_length = config_of(request).auth.password_min_length
    with db_of(request).session() as session:
        user = _user(session, principal)
        error = _check_current(session, request, user, current)
        if not error and new != repeat:
            error = N_("The new password and its repetition are not the same.")
        if not error:
            try:
                check_policy(new, min_length=min_length, email=user.email)
            except PasswordPolicyError as exc:
                error = exc.sentence.in_language(translator(request))
        if not error:
            user.password_hash = hash_password(new)
            user.password_changed_at = now
            sessions.revoke_all_for_user(session, user.id, now=now, keep=principal.session_id)
        audit.record(
            session,
            at=now,
            actor=user.email,
            action="password_changed",
            target=user.email,
            ip=ip,
            result="failed" if error else "ok",
        )
    if error:
        return _account_page(request, principal, status=400, password_error=error)
    return redirect(request, "/account?done=password")


@router.get("/account/totp", response_class=HTMLResponse)
def totp_enrol_page(request: Request, principal: AccountPage) -> Response:
    """A new secret to type or paste into an authenticator app, and a field for its first code."""
    with db_of(request).session() as session:
        user = _user(session, principal)
        enabled, email = bool(user.totp_secret), user.email
    secret = totp.new_secret()
    return _enrol_page(request, principal, secret=secret, email=email, enabled=enabled)


def _enrol_page(
    request: Request,
    principal: Principal,
    *,
    secret: str,
    email: str,
    enabled: bool,
    error: str = "",
    status: int = 200,
) -> Response:
    context = {
        "principal": principal,
        "secret": secret,
        # Groups of four are easier to type into a phone.
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": totp.provisioning_uri(secret, email),
        "enabled": enabled,
        "error": error,
        "required": config_of(request).auth.require_totp_for_admins and principal.role is Role.ADMIN,
    }
    return render(request, "account_totp.html", context, status)


@router.post("/account/totp", response_class=HTMLResponse)
def totp_enrol(request: Request, principal: AccountAction, secret: FormStr = "", code: FormStr = "") -> Response:
    """Turn two-step sign-in on once a code from the app proves the secret was stored correctly."""
    now, ip = utcnow(), client_ip(request)
    secret = secret.strip().replace(" ", "").upper()
    with db_of(request).session() as session:
        user = _user(session, principal)
        email, enabled = user.email, bool(user.totp_secret)
        valid_secret = 16 <= len(secret) <= 64 and secret.isalnum()
        step = totp.matched_step(secret, code, now.timestamp()) if not enabled and valid_secret else None
        ok = step is not None
        if ok:
            user.totp_secret = secret
            user.totp_last_step = step
        audit.record(
            session, at=now, actor=email, action="totp_enabled", target=email, ip=ip, result="ok" if ok else "failed"
        )
    if ok:
        return redirect(request, "/account?done=totp-on")
    _ = translator(request)
    if enabled:
        error = _("Two-step sign-in is already on. Turn it off first to set up a new app.")
    elif not valid_secret:
        error = _("The secret was changed on its way back; start again with the secret shown now.")
        secret = totp.new_secret()
    else:
        error = _("That code is wrong. Check the phone's clock and enter the code the app shows now.")
    return _enrol_page(request, principal, secret=secret, email=email, enabled=enabled, error=error, status=400)


@router.post("/account/totp/disable", response_class=HTMLResponse)
def totp_disable(request: Request, principal: AccountAction, password: FormStr = "") -> Response:
    """Turn two-step sign-in off; needs the current password (and is refused when it is required)."""
    if (gate := enrolment_redirect(request, principal)) is not None:
        return gate
    now, ip, config = utcnow(), client_ip(request), config_of(request)
    with db_of(request).session() as session:
        user = _user(session, principal)
        error = _check_current(session, request, user, password)
        if not error and config.auth.require_totp_for_admins and user.role == Role.ADMIN.value:
            error = N_("Administrators must keep two-step sign-in on this server.")
        if not error:
            user.totp_secret = None
            user.totp_last_step = None
        audit.record(
            session,
            at=now,
            actor=user.email,
            action="totp_disabled",
            target=user.email,
            ip=ip,
            result="failed" if error else "ok",
        )
    if error:
        return _account_page(request, principal, status=400, totp_error=error)
    return redirect(request, "/account?done=totp-off")
