"""API keys for scripts and wallboards: a role no higher than the creator's, optionally fewer clients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from deskpulse.auth import tokens
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import SCOPED_ROLES, Role, may_delegate
from deskpulse.store.auth_tables import ApiKeyRow, UserClientRow, UserRow
from deskpulse.store.clients import client_ids
from deskpulse.store.tables import ClientRow

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


# One statement finds the key and its creator's current standing (this runs on every API request).
_KEY_LOOKUP = (
    select(
        ApiKeyRow.id,
        ApiKeyRow.prefix,
        ApiKeyRow.key_hash,
        ApiKeyRow.name,
        ApiKeyRow.role,
        ApiKeyRow.client_keys,
        ApiKeyRow.created_by,
        ApiKeyRow.revoked_at,
        ApiKeyRow.last_used_at,
        UserRow.role.label("creator_role"),
        UserRow.is_active.label("creator_active"),
    )
    .outerjoin(UserRow, UserRow.id == ApiKeyRow.created_by)
    .where(ApiKeyRow.prefix == bindparam("prefix"))
)


def scope_ids(session: Session, client_keys: Sequence[str] | None, scoped_user: int | None) -> frozenset[int] | None:
    """Client ids limited to ``client_keys`` (None: no limit) and to ``scoped_user``'s clients; None = all."""
    if client_keys is None and scoped_user is None:
        return None
    query = select(ClientRow.id)
    if client_keys is not None:
        query = query.where(ClientRow.key.in_(list(client_keys)))
    if scoped_user is not None:
        query = query.where(
            ClientRow.id.in_(select(UserClientRow.client_id).where(UserClientRow.user_id == scoped_user))
        )
    return frozenset(session.scalars(query))


def resolve(session: Session, secret: str, *, now: datetime) -> Principal | None:
    """The Principal of a presented key, or None when unknown, revoked, or beyond its creator's rights now.

    A key acts for its creator: it never outlives the creator's account, rights or clients.
    """
    prefix = tokens.prefix_of(secret)
    if prefix is None:
        return None
    row = session.execute(_KEY_LOOKUP, {"prefix": prefix}).one_or_none()
    if row is None or row.revoked_at is not None or not tokens.matches(secret, row.key_hash):
        return None
    role = Role(row.role)
    scoped_user = None
    if row.created_by is not None:
        if row.creator_role is None or not row.creator_active or not may_delegate(Role(row.creator_role), role):
            return None
        if Role(row.creator_role) in SCOPED_ROLES:
            scoped_user = row.created_by
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
        session.execute(update(ApiKeyRow).where(ApiKeyRow.id == row.id).values(last_used_at=now))
    return Principal(
        kind="apikey",
        role=role,
        actor=f"key:{row.prefix}",
        client_ids=scope_ids(session, row.client_keys, scoped_user),
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
