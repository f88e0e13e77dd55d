"""The one dependency every route goes through: who is asking, may they, and which clients may they see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from deskpulse.auth import apikeys, kiosk, sessions
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import SCOPED_ROLES, Role
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.auth_tables import KioskLinkRow
from deskpulse.store.db import Database

UNAUTHENTICATED = "Sign in, or send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."


def client_ip(request: Request) -> str:
    """The caller's address as the server sees it (put a trusted proxy's address handling in the proxy)."""
    return request.client.host if request.client else "unknown"


def presented_api_key(request: Request) -> str | None:
    """The API key in ``Authorization: Bearer`` or ``X-API-Key``, if any."""
    header = request.headers.get("x-api-key")
    if header:
        return header.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _resolve(request: Request, session: Session | None = None) -> Principal | None:
    if session is None:
        db: Database = request.app.state.db
        with db.session() as own:
            return _resolve(request, own)
    config: Config = request.app.state.config
    now = utcnow()
    key = presented_api_key(request)
    if key is not None:
        principal = apikeys.resolve(session, key, now=now)
        if principal is None:
            # A wrong key is an error, never a silent fall-back to the cookie.
            raise HTTPException(401, "The API key is unknown or has been revoked.", {"WWW-Authenticate": "Bearer"})
        return principal
    cookie = request.cookies.get(sessions.COOKIE)
    if not cookie:
        return None
    row = sessions.lookup(session, cookie, now=now, cfg=config.auth)
    if row is None:
        return None
    if row.user_id is not None:
        if not row.is_active:
            return None
        role = Role(row.role)
        return Principal(
            kind="user",
            role=role,
            actor=row.email,
            client_ids=apikeys.scope_ids(session, None, row.user_id) if role in SCOPED_ROLES else None,
            user_id=row.user_id,
            name=row.name or row.email,
            session_id=row.id,
            totp_enabled=bool(row.totp_enabled),
        )
    link = session.get(KioskLinkRow, row.kiosk_link_id) if row.kiosk_link_id is not None else None
    if link is None or link.revoked_at is not None:
        return None
    return kiosk.principal_for(session, link, session_id=row.id)


def must_enrol_totp(request: Request, principal: Principal) -> bool:
    """True for a browser-signed-in admin without TOTP while the config requires it for admins."""
    config: Config = request.app.state.config
    return (
        config.auth.require_totp_for_admins
        and principal.kind == "user"
        and principal.session_id is not None
        and principal.role == Role.ADMIN
        and not principal.totp_enabled
    )


def optional_principal(request: Request, session: Session | None = None) -> Principal | None:
    """The caller, or None when anonymous; resolved once per request.

    Resolution commits in its own short transaction: routes that write open their own sessions, and on
    SQLite a still-open write (a key's last-used time) in a shared session would block them.
    """
    if not hasattr(request.state, "principal"):
        request.state.principal = _resolve(request, session)
    principal: Principal | None = request.state.principal
    return principal


# What a kiosk link made for TV playlists (boards "tv:<name>") may reach besides them: the live stream its page
# listens to. The TV page itself answers with the invalid-link page for another playlist.
KIOSK_TV_ROUTES = frozenset({"/api/tv/{playlist}", "/api/tv/{playlist}/slides/{number}"})
KIOSK_TV_SHARED = frozenset({"/tv/{playlist}", "/api/stream"})


def kiosk_route_allowed(request: Request, principal: Principal) -> bool:
    """False when a kiosk link limited to some TV playlists asks for anything but those playlists' data."""
    limited = kiosk.tv_only(principal.kiosk_boards or ())
    if limited is None:
        return True
    template = str(getattr(request.scope.get("route"), "path", ""))
    if template in KIOSK_TV_ROUTES:
        return request.path_params.get("playlist") in limited
    return template in KIOSK_TV_SHARED


def require(permission: str) -> Callable[[Request], Principal]:
    """A dependency that lets a request through only when its caller holds ``permission`` (401 / 403)."""

    def dependency(request: Request) -> Principal:
        principal = optional_principal(request)
        if principal is None:
            raise HTTPException(401, UNAUTHENTICATED, {"WWW-Authenticate": "Bearer"})
        if principal.kind == "kiosk" and not kiosk_route_allowed(request, principal):
            raise HTTPException(404, "This kiosk link opens its TV playlist only.")
        if must_enrol_totp(request, principal) and permission != "account:self":
            raise HTTPException(403, "Set up two-step sign-in on your account page (/account/totp) first.")
        if not principal.can(permission):
            who = principal.role.value.replace("_", " ")
            raise HTTPException(403, f"Your role ({who}) does not allow this ({permission}).")
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{permission.replace(':', '_')}"
    return dependency


def require_page(permission: str) -> Callable[[Request], Principal]:
    """Like ``require`` for HTML pages: an anonymous browser is sent to the sign-in page instead of a 401."""
    inner = require(permission)

    def dependency(request: Request) -> Principal:
        principal = optional_principal(request)
        if principal is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(303, "Sign in first.", {"Location": f"/login?next={quote(target, safe='')}"})
        if must_enrol_totp(request, principal) and permission != "account:self":
            raise HTTPException(303, "Set up two-step sign-in first.", {"Location": "/account/totp"})
        limited = kiosk.tv_only(principal.kiosk_boards or ()) if principal.kind == "kiosk" else None
        if limited and not kiosk_route_allowed(request, principal):  # a TV's home page is its playlist
            root = request.scope.get("root_path", "")
            raise HTTPException(303, "This kiosk link opens its TV playlist only.",
                                {"Location": f"{root}/tv/{quote(min(limited), safe='')}"})  # fmt: skip
        return inner(request)

    dependency.permission = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"page_{permission.replace(':', '_')}"
    return dependency


def public(request: Request) -> None:
    """Marks a route as deliberately open to anonymous callers (sign-in, liveness, assets)."""


public.permission = None  # type: ignore[attr-defined]

Public = Depends(public)
Reader = Annotated[Principal, Depends(require("dashboard:read"))]
Internal = Annotated[Principal, Depends(require("tickets:internal"))]
SourceReader = Annotated[Principal, Depends(require("sources:read"))]


def route_permissions(dependant: Any) -> tuple[bool, list[str]]:
    """(declared, permissions) of a route's dependency tree; the access-matrix test reads this.

    ``declared`` is False when no ``require``/``public`` marker is found anywhere: such a route fails the test.
    """
    found: list[str] = []
    declared = False
    stack = [dependant]
    while stack:
        dep = stack.pop()
        call = getattr(dep, "call", None)
        if call is not None and hasattr(call, "permission"):
            declared = True
            if call.permission is not None:
                found.append(call.permission)
        stack.extend(getattr(dep, "dependencies", []))
    return declared, sorted(set(found))
