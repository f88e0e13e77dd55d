"""API keys for scripts and wallboards: a role no higher than the creator's, optionally fewer clients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth import tokens
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import SCOPED_ROLES, Role, may_delegate
from deskpulse.auth.users import user_client_ids
from deskpulse.store.auth_tables import ApiKeyRow, UserRow
from deskpulse.store.clients import client_ids

LAST_USED_EVERY = timedelta(seconds=60)


class ApiKeyError(ValueError):
    """The key cannot be created as asked; the message says why."""


def create(
    session: Session,
    *,
    creator: Principal,
    name: str,
    role: Role,
    clients: Sequence[str] | None,
    now: datetime,
    creator_client_keys: Sequence[str] = (),
) -> tuple[ApiKeyRow, str]:
    """Create a key and return (row, secret). The secret is returned only here."""
    if not name.strip():
        raise ApiKeyError("Give the key a name (what or who uses it).")
    if not may_delegate(creator.role, role):
        raise ApiKeyError(f"A {creator.role.value} cannot create a key with role {role.value}.")
    keys = list(clients) if clients else None
    if keys is not None:
        unknown = sorted(set(keys) - set(client_ids(session, keys)))
        if unknown:
            raise ApiKeyError(f"Unknown client(s): {', '.join(unknown)}.")
    if creator.client_ids is not None:
        # A scoped creator can only hand out (part of) its own scope.
        allowed = set(creator_client_keys)
        if keys is None:
            keys = sorted(allowed)
        elif not set(keys) <= allowed:
            raise ApiKeyError("A key can only be limited to clients you can see yourself.")
    if role in SCOPED_ROLES and not keys:
        raise ApiKeyError(f"A key with role {role.value} must be limited to at least one client.")
    issued = tokens.issue("key")
    row = ApiKeyRow(
        prefix=issued.prefix,
        key_hash=issued.digest,
        name=name.strip()[:100],
        role=role.value,
        client_keys=keys,
        created_by=creator.user_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, issued.value


def resolve(session: Session, secret: str, *, now: datetime) -> Principal | None:
    """The Principal of a presented key, or None when unknown or revoked."""
    prefix = tokens.prefix_of(secret)
    if prefix is None:
        return None
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
    if row is None or row.revoked_at is not None or not tokens.matches(secret, row.key_hash):
        return None
    role = Role(row.role)
    scope = None if row.client_keys is None else frozenset(client_ids(session, row.client_keys).values())
    if row.created_by is not None:
        # A key acts for its creator: it never outlives the creator's account, rights or clients.
        creator = session.get(UserRow, row.created_by)
        if creator is None or not creator.is_active or not may_delegate(Role(creator.role), role):
            return None
        if Role(creator.role) in SCOPED_ROLES:
            allowed = user_client_ids(session, creator.id)
            scope = allowed if scope is None else scope & allowed
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        row.last_used_at = now
    return Principal(
        kind="apikey",
        role=role,
        actor=f"key:{row.prefix}",
        client_ids=scope,
        user_id=row.created_by,
        name=row.name,
        api_key_id=row.id,
    )


def revoke(session: Session, prefix: str, *, now: datetime) -> ApiKeyRow | None:
    """Revoke the key with ``prefix``; None when there is no such key."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix.strip()))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
    return row
