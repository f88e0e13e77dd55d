"""Users JSON API for admins: list, create, change (deactivate instead of delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, StrictBool
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from deskpulse.auth import sessions
from deskpulse.auth.audit import record
from deskpulse.auth.passwords import PasswordPolicyError
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role, may_delegate
from deskpulse.auth.users import UserError, create_user, set_clients, user_client_keys
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.auth_tables import ApiKeyRow, UserRow
from deskpulse.store.clients import sync_clients
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import client_ip, require

router = APIRouter(tags=["admin"], responses=api_errors())
UserAdmin = Annotated[Principal, Depends(require("users:admin"))]


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    clients: list[str]
    is_active: bool
    totp_enabled: bool
    last_sign_in_at: datetime | None
    created_at: datetime


class UserIn(BaseModel):
    email: str
    name: str = ""
    role: str
    clients: list[str] = Field(default_factory=list)
    password: str | None = None


class UserPatch(BaseModel):
    role: str | None = None
    clients: list[str] | None = None
    is_active: StrictBool | None = None
    name: str | None = None


def parse_role(value: str) -> Role:
    """The Role named ``value``; 400 with the list of roles otherwise."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise HTTPException(400, f"Unknown role {value!r}; choose one of {roles}.") from None


def user_out(session: Session, user: UserRow) -> UserOut:
    """The JSON view of a user (never the password hash or TOTP secret)."""
    return UserOut(
        id=user.id, email=user.email, name=user.name, role=user.role, clients=user_client_keys(session, user.id),
        is_active=user.is_active, totp_enabled=user.totp_secret is not None, last_sign_in_at=user.last_sign_in_at,
        created_at=user.created_at,
    )  # fmt: skip


def list_users(session: Session) -> list[UserOut]:
    """Every user, by e-mail."""
    return [user_out(session, u) for u in session.scalars(select(UserRow).order_by(UserRow.email))]


def add_user(session: Session, config: Config, actor: Principal, body: UserIn, ip: str | None) -> UserRow:
    """Create a user and audit it; HTTPException 400 with a sentence when it cannot be done."""
    role = parse_role(body.role)
    if not may_delegate(actor.role, role):
        raise HTTPException(403, f"A {actor.role.value} cannot create a user with role {role.value}.")
    sync_clients(session, config.clients)
    try:
        user = create_user(
            session, email=body.email, role=role, now=utcnow(), password=body.password or None, name=body.name,
            clients=body.clients, min_password_length=config.auth.password_min_length,
        )  # fmt: skip
    except (UserError, PasswordPolicyError) as exc:
        raise HTTPException(400, str(exc)) from exc
    record(
        session, at=utcnow(), actor=actor.actor, action="user.create", target=user.email, ip=ip,
        detail={"role": role.value, "clients": sorted(body.clients), "password_set": body.password is not None},
    )  # fmt: skip
    return user


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(UserRow).where(UserRow.role == Role.ADMIN.value, UserRow.is_active)
    return int(session.scalar(query) or 0)


def change_user(
    session: Session, config: Config, actor: Principal, user_id: int, patch: UserPatch, ip: str | None
) -> UserRow:
    """Apply ``patch`` to a user and audit it; 404 unknown, 400 invalid, 409 when no active admin would remain."""
    user = session.get(UserRow, user_id)
    if user is None:
        raise HTTPException(404, f"There is no user with id {user_id}.")
    now = utcnow()
    old_role = Role(user.role)
    role = parse_role(patch.role) if patch.role is not None else old_role
    active = patch.is_active if patch.is_active is not None else user.is_active
    was_admin = old_role is Role.ADMIN and user.is_active
    if was_admin and (role is not Role.ADMIN or not active) and _active_admins(session) <= 1:
        raise HTTPException(409, f"{user.email} is the last active admin; make another admin first.")
    changes: dict[str, Any] = {}
    if patch.clients is not None or role is not old_role:
        sync_clients(session, config.clients)
        clients = patch.clients if patch.clients is not None else user_client_keys(session, user.id)
        try:
            set_clients(session, user, role, clients)
        except UserError as exc:
            raise HTTPException(400, str(exc)) from exc
        changes["clients"] = sorted(clients)
    if role is not old_role:
        user.role = role.value
        changes["role"] = role.value
        _revoke_keys_beyond(session, user.id, role, now)
    if patch.name is not None and patch.name.strip() != user.name:
        user.name = patch.name.strip()[:200]
        changes["name"] = user.name
    if active != user.is_active:
        user.is_active = active
        changes["is_active"] = active
        if not active:
            # A deactivated user is signed out everywhere and their keys stop working at once.
            sessions.revoke_all_for_user(session, user.id, now=now)
            _revoke_keys_beyond(session, user.id, None, now)
    record(session, at=now, actor=actor.actor, action="user.update", target=user.email, ip=ip, detail=changes)
    return user


def _revoke_keys_beyond(session: Session, user_id: int, role: Role | None, now: datetime) -> None:
    """Revoke the user's live keys whose role ``role`` could not hand out (all of them when ``role`` is None)."""
    live = select(ApiKeyRow).where(ApiKeyRow.created_by == user_id, ApiKeyRow.revoked_at.is_(None))
    doomed = [k.id for k in session.scalars(live) if role is None or not may_delegate(role, Role(k.role))]
    if doomed:
        session.execute(update(ApiKeyRow).where(ApiKeyRow.id.in_(doomed)).values(revoked_at=now))


@router.get("/api/users", response_model=list[UserOut])
def users(request: Request, _: UserAdmin) -> list[UserOut]:
    """Every user with role, clients and sign-in state."""
    with request.app.state.db.session() as session:
        return list_users(session)


@router.post("/api/users", response_model=UserOut, status_code=201, responses=error_responses(413))
def create(request: Request, principal: UserAdmin, body: UserIn) -> UserOut:
    """Create a user; scoped roles (account manager, customer) need at least one client."""
    with request.app.state.db.session() as session:
        user = add_user(session, request.app.state.config, principal, body, client_ip(request))
        return user_out(session, user)


@router.patch(
    "/api/users/{user_id}",
    response_model=UserOut,
    responses=error_responses(
        413, described={404: "No such user", 409: "The last active admin cannot lose the role or be deactivated"}
    ),
)
def patch(request: Request, principal: UserAdmin, user_id: int, body: UserPatch) -> UserOut:
    """Change role, clients, name or active state; deactivating signs the user out and revokes their keys."""
    with request.app.state.db.session() as session:
        user = change_user(session, request.app.state.config, principal, user_id, body, client_ip(request))
        return user_out(session, user)
