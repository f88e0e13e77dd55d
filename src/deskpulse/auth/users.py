"""Users and the clients they may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from deskpulse.auth.passwords import check_policy, hash_password
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import SCOPED_ROLES, Role
from deskpulse.store.auth_tables import UserClientRow, UserRow
from deskpulse.store.clients import client_ids
from deskpulse.store.tables import ClientRow


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def normalize_email(email: str) -> str:
    """Trimmed, lower-case e-mail; UserError when it does not look like an address."""
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 320:
        raise UserError(f"{email!r} is not an e-mail address.")
    return value


def count_users(session: Session) -> int:
    """How many users exist."""
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def find_user(session: Session, email: str) -> UserRow | None:
    """The user with ``email`` (case-insensitive), or None."""
    return session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    role: Role,
    now: datetime,
    password: str | None = None,
    name: str = "",
    clients: Sequence[str] = (),
    min_password_length: int = 10,
) -> UserRow:
    """Create a user; scoped roles (account manager, customer) need at least one known client."""
    address = normalize_email(email)
    if find_user(session, address) is not None:
        raise UserError(f"A user with e-mail {address} already exists.")
    if password is not None:
        check_policy(password, min_length=min_password_length, email=address)
    user = UserRow(
        email=address,
        name=name.strip(),
        role=role.value,
        password_hash=hash_password(password) if password is not None else None,
        is_active=True,
        created_at=now,
        password_changed_at=now if password is not None else None,
    )
    session.add(user)
    session.flush()
    set_clients(session, user, role, clients)
    return user


def set_clients(session: Session, user: UserRow, role: Role, clients: Sequence[str]) -> None:
    """Replace the user's clients; refuses unknown clients and scoped roles without a client."""
    ids = client_ids(session, clients)
    unknown = sorted(set(clients) - set(ids))
    if unknown:
        raise UserError(f"Unknown client(s): {', '.join(unknown)}. Configure them under [[clients]] first.")
    if role in SCOPED_ROLES and not ids:
        raise UserError(f"A {role.value.replace('_', ' ')} must be given at least one client.")
    session.execute(delete(UserClientRow).where(UserClientRow.user_id == user.id))
    for cid in sorted(set(ids.values())):
        session.add(UserClientRow(user_id=user.id, client_id=cid))


def user_client_ids(session: Session, user_id: int) -> frozenset[int]:
    """Ids of the clients assigned to a user."""
    return frozenset(session.scalars(select(UserClientRow.client_id).where(UserClientRow.user_id == user_id)))


def user_client_keys(session: Session, user_id: int) -> list[str]:
    """Keys of the clients assigned to a user."""
    return list(
        session.scalars(
            select(ClientRow.key)
            .join(UserClientRow, UserClientRow.client_id == ClientRow.id)
            .where(UserClientRow.user_id == user_id)
            .order_by(ClientRow.key)
        )
    )


def principal_for_user(session: Session, user: UserRow, *, session_id: int | None = None) -> Principal:
    """The Principal of a signed-in user (scoped roles see only their clients)."""
    role = Role(user.role)
    scope = user_client_ids(session, user.id) if role in SCOPED_ROLES else None
    return Principal(
        kind="user",
        role=role,
        actor=user.email,
        client_ids=scope,
        user_id=user.id,
        name=user.name or user.email,
        session_id=session_id,
        totp_enabled=bool(user.totp_secret),
    )
