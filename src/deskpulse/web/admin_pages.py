"""Admin pages: users and API keys, and the audit log; plain forms that post back and redirect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deskpulse import __version__
from deskpulse.auth.passwords import PasswordPolicyError
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.store.clients import all_clients, sync_clients
from deskpulse.web.api.admin import UserIn, UserPatch, add_user, change_user, list_users
from deskpulse.web.api.audit_log import MAX_LIMIT, AuditFilter, read_audit
from deskpulse.web.api.keys import KeyIn, add_key, list_keys, revoke_key
from deskpulse.web.auth import client_ip, require_page
from deskpulse.web.i18n import N_, translator

router = APIRouter(tags=["pages"], include_in_schema=False)
AdminPage = Annotated[Principal, Depends(require_page("users:admin"))]
AuditPage = Annotated[Principal, Depends(require_page("audit:read"))]
# Outcomes shown after a redirect; fixed sentences, so a crafted link cannot put words on the page.
NOTICES = {
    "user-created": N_("The user was created."),
    "user-deactivated": N_("The user was deactivated and signed out everywhere."),
    "user-activated": N_("The user was activated again."),
    "key-revoked": N_("The API key was revoked; it stops working at once."),
}
Text = Annotated[str, Form()]
Choices = Annotated[list[str], Form()]


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"root": request.scope.get("root_path", ""), "version": __version__}
    return request.app.state.templates.TemplateResponse(  # type: ignore[no-any-return]
        request, template, {**base, **context}, status_code=status, headers={"Cache-Control": "no-store"}
    )


def _users_page(
    request: Request, principal: Principal, *, error: str | None = None, status: int = 200, **extra: Any
) -> Response:
    notice = NOTICES.get(request.query_params.get("done", ""))
    with request.app.state.db.session() as session:
        sync_clients(session, request.app.state.config.clients)
        context = {
            "principal": principal,
            "users": list_users(session),
            "keys": list_keys(session, principal),
            "clients": [(c.key, c.name) for c in all_clients(session)],
            "roles": [r.value for r in Role],
            "notice": translator(request)(notice) if notice else None,
            "error": error,
            **extra,
        }
    return _render(request, "admin_users.html", context, status)


def _refusal(request: Request, exc: HTTPException) -> str:
    """The sentence of a refused form: a password-policy rule in the page's language, else the API's sentence."""
    if isinstance(exc.__cause__, PasswordPolicyError):
        return exc.__cause__.sentence.in_language(translator(request))
    return str(exc.detail)


def _back(done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/users?done={done}", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, principal: AdminPage) -> Response:
    """Users and API keys, with forms to create, deactivate and revoke."""
    return _users_page(request, principal)


@router.post("/admin/users", response_class=HTMLResponse)
def create_user_form(
    request: Request, principal: AdminPage, email: Text, role: Text, name: Text = "", password: Text = "",
    clients: Choices = [],  # noqa: B006  (FastAPI copies defaults per request)
) -> Response:  # fmt: skip
    """Create a user from the form; the page again with the reason when it cannot be done."""
    body = UserIn(email=email, name=name, role=role, clients=clients, password=password or None)
    try:
        with request.app.state.db.session() as session:
            add_user(session, request.app.state.config, principal, body, client_ip(request))
    except HTTPException as exc:
        return _users_page(request, principal, error=_refusal(request, exc), status=exc.status_code)
    return _back("user-created")


@router.post("/admin/users/{user_id}/active", response_class=HTMLResponse)
def set_active_form(request: Request, principal: AdminPage, user_id: int, active: Text) -> Response:
    """Deactivate (active=0) or reactivate (active=1) a user."""
    wanted = active.strip() in ("1", "true", "on")
    try:
        with request.app.state.db.session() as session:
            patch = UserPatch(is_active=wanted)
            change_user(session, request.app.state.config, principal, user_id, patch, client_ip(request))
    except HTTPException as exc:
        return _users_page(request, principal, error=str(exc.detail), status=exc.status_code)
    return _back("user-activated" if wanted else "user-deactivated")


@router.post("/admin/keys", response_class=HTMLResponse)
def create_key_form(
    request: Request, principal: AdminPage, name: Text, role: Text,
    clients: Choices = [],  # noqa: B006  (FastAPI copies defaults per request)
) -> Response:  # fmt: skip
    """Create a key and show its secret on this response only (never after a redirect)."""
    body = KeyIn(name=name, role=role, clients=clients or None)
    try:
        with request.app.state.db.session() as session:
            row, secret = add_key(session, request.app.state.config, principal, body, client_ip(request))
    except HTTPException as exc:
        return _users_page(request, principal, error=str(exc.detail), status=exc.status_code)
    return _users_page(request, principal, status=201, new_key={"name": row.name, "secret": secret})


@router.post("/admin/keys/{prefix}/revoke", response_class=HTMLResponse)
def revoke_key_form(request: Request, principal: AdminPage, prefix: str) -> Response:
    """Revoke a key."""
    try:
        with request.app.state.db.session() as session:
            revoke_key(session, principal, prefix, client_ip(request))
    except HTTPException as exc:
        return _users_page(request, principal, error=str(exc.detail), status=exc.status_code)
    return _back("key-revoked")


def _when(value: str | None, name: str) -> datetime | None:
    """An ISO time from a form field (empty: none); naive values are read as UTC."""
    if not value or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(400, f"{name} must be a date and time like 2026-11-18T09:30; got {value!r}.") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: AuditPage,
    actor: Annotated[str | None, Query()] = None,
    action: Annotated[str | None, Query()] = None,
    since: Annotated[str | None, Query(description="ISO time (UTC when no offset)")] = None,
    until: Annotated[str | None, Query(description="ISO time (UTC when no offset)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The audit log with filters, newest first."""
    wanted = AuditFilter(actor or None, action or None, _when(since, "since"), _when(until, "until"), limit, offset)
    with request.app.state.db.session() as session:
        page = read_audit(session, wanted)
    filters = {"actor": actor or "", "action": action or "", "since": since or "", "until": until or ""}
    query = {k: v for k, v in filters.items() if v} | {"limit": limit}
    pages = {
        "newer": urlencode(query | {"offset": max(0, offset - limit)}) if offset > 0 else None,
        "older": urlencode(query | {"offset": offset + limit}) if offset + limit < page.total else None,
    }
    context = {"principal": principal, "page": page, "filters": filters, "pages": pages}
    return _render(request, "admin_audit.html", context)
