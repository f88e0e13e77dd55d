"""API keys JSON API: everyone manages their own keys; admins see and revoke all of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.auth import apikeys
from deskpulse.auth.audit import record
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role, may_delegate
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.auth_tables import ApiKeyRow, UserRow
from deskpulse.store.clients import sync_clients
from deskpulse.store.tables import ClientRow
from deskpulse.web.api.admin import parse_role
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import client_ip, require

router = APIRouter(tags=["api keys"], responses=api_errors())
KeyOwner = Annotated[Principal, Depends(require("apikeys:own"))]


class KeyOut(BaseModel):
    prefix: str
    name: str
    role: str
    clients: list[str] | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_by: str | None


class NewKeyOut(KeyOut):
    key: str


class KeyIn(BaseModel):
    name: str
    role: str
    clients: list[str] | None = None


def _sees_all(principal: Principal) -> bool:
    return principal.can("users:admin")


def _owned(principal: Principal) -> Any:
    """Keys that count as the caller's: created by the same user; a key made on the CLI owns only itself."""
    if principal.user_id is None:
        return ApiKeyRow.id == principal.api_key_id
    return ApiKeyRow.created_by == principal.user_id


def _may_revoke(session: Session, principal: Principal, row: ApiKeyRow) -> bool:
    if _sees_all(principal):
        return True
    # A key never revokes a key that could do more than it can (its creator's admin key, say).
    mine = session.scalar(select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.id == row.id, _owned(principal)))
    return bool(mine) and may_delegate(principal.role, Role(row.role))


def key_out(row: ApiKeyRow, creator: str | None) -> KeyOut:
    """The JSON view of a key (never its secret or hash)."""
    return KeyOut(
        prefix=row.prefix, name=row.name, role=row.role, clients=row.client_keys, created_at=row.created_at,
        last_used_at=row.last_used_at, revoked_at=row.revoked_at, created_by=creator,
    )  # fmt: skip


def list_keys(session: Session, principal: Principal) -> list[KeyOut]:
    """The caller's keys (admins: every key), newest first."""
    query = select(ApiKeyRow, UserRow.email).outerjoin(UserRow, UserRow.id == ApiKeyRow.created_by)
    if not _sees_all(principal):
        query = query.where(_owned(principal))
    rows = session.execute(query.order_by(ApiKeyRow.created_at.desc(), ApiKeyRow.id.desc())).all()
    return [key_out(row, email) for row, email in rows]


def add_key(
    session: Session, config: Config, principal: Principal, body: KeyIn, ip: str | None
) -> tuple[ApiKeyRow, str]:
    """Create a key for the caller and audit it; 403 when the role is above the caller's, 400 when invalid."""
    role = parse_role(body.role)
    if not may_delegate(principal.role, role):
        raise HTTPException(403, f"A {principal.role.value} cannot create a key with role {role.value}.")
    sync_clients(session, config.clients)
    own: list[str] = []
    if principal.client_ids is not None:
        own = list(session.scalars(select(ClientRow.key).where(ClientRow.id.in_(sorted(principal.client_ids)))))
    try:
        row, secret = apikeys.create(
            session, creator=principal, name=body.name, role=role, clients=body.clients, now=utcnow(),
            creator_client_keys=own,
        )  # fmt: skip
    except apikeys.ApiKeyError as exc:
        raise HTTPException(400, str(exc)) from exc
    record(
        session, at=utcnow(), actor=principal.actor, action="apikey.create", target=row.prefix, ip=ip,
        detail={"name": row.name, "role": row.role, "clients": row.client_keys},
    )  # fmt: skip
    return row, secret


def revoke_key(session: Session, principal: Principal, prefix: str, ip: str | None) -> ApiKeyRow:
    """Revoke one of the caller's keys (admins: any key) and audit it; 404 when it is not theirs to revoke."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix.strip()))
    if row is None or not _may_revoke(session, principal, row):
        raise HTTPException(404, f"You have no API key with prefix {prefix!r}.")
    if row.revoked_at is None:
        apikeys.revoke(session, row.prefix, now=utcnow())
        record(session, at=utcnow(), actor=principal.actor, action="apikey.revoke", target=row.prefix, ip=ip)
    return row


def _creator_email(session: Session, row: ApiKeyRow) -> str | None:
    user = session.get(UserRow, row.created_by) if row.created_by is not None else None
    return user.email if user is not None else None


@router.get("/api/keys", response_model=list[KeyOut])
def keys(request: Request, principal: KeyOwner) -> list[KeyOut]:
    """Your API keys (admins: every key); secrets are never shown again."""
    with request.app.state.db.session() as session:
        return list_keys(session, principal)


@router.post(
    "/api/keys",
    response_model=NewKeyOut,
    status_code=201,
    responses=error_responses(413, described={403: "A key cannot have a role above its creator's"}),
)
def create(request: Request, principal: KeyOwner, body: KeyIn) -> NewKeyOut:
    """Create a key with a role no higher than yours; the secret ``key`` is in this response only."""
    with request.app.state.db.session() as session:
        row, secret = add_key(session, request.app.state.config, principal, body, client_ip(request))
        return NewKeyOut(**key_out(row, _creator_email(session, row)).model_dump(), key=secret)


@router.post(
    "/api/keys/{prefix}/revoke",
    response_model=KeyOut,
    responses=error_responses(described={404: "You have no key with that prefix"}),
)
def revoke(request: Request, principal: KeyOwner, prefix: str) -> KeyOut:
    """Revoke a key: requests with it are refused from the next one on."""
    with request.app.state.db.session() as session:
        row = revoke_key(session, principal, prefix, client_ip(request))
        return key_out(row, _creator_email(session, row))
