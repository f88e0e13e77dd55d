"""Server-side sessions: revocable, with idle and absolute timeouts; the cookie holds a random token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from deskpulse.auth import tokens
from deskpulse.config import AuthConfig
from deskpulse.store.auth_tables import SessionRow, UserRow

COOKIE = "deskpulse_session"
# last_seen_at is written at most this often, so a busy dashboard does not write on every request.
TOUCH_EVERY = timedelta(seconds=60)


def start(
    session: Session,
    *,
    now: datetime,
    cfg: AuthConfig,
    user_id: int | None = None,
    kiosk_link_id: int | None = None,
    mfa_pending: bool = False,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Create a session and return the cookie value (shown to nobody else, stored only as a digest)."""
    issued = tokens.issue("s")
    session.add(
        SessionRow(
            token_hash=issued.digest,
            user_id=user_id,
            kiosk_link_id=kiosk_link_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=cfg.session_absolute_hours),
            mfa_pending=mfa_pending,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    return issued.value


def resolve(session: Session, token: str, *, now: datetime, cfg: AuthConfig) -> SessionRow | None:
    """The live session for a cookie value, or None when unknown, revoked, idle too long or expired."""
    row = session.scalar(select(SessionRow).where(SessionRow.token_hash == tokens.digest(token)))
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        return None
    if now - row.last_seen_at > timedelta(minutes=cfg.session_idle_minutes):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def revoke(session: Session, session_id: int, *, now: datetime) -> None:
    """End one session."""
    session.execute(update(SessionRow).where(SessionRow.id == session_id).values(revoked_at=now))


def revoke_all_for_user(session: Session, user_id: int, *, now: datetime, keep: int | None = None) -> None:
    """End every session of a user (after a password change or reset), optionally keeping one."""
    stmt = update(SessionRow).where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(SessionRow.id != keep)
    session.execute(stmt.values(revoked_at=now))


# One statement finds a session and its user (this runs on every request from a browser).
_SESSION_LOOKUP = (
    select(
        SessionRow.id,
        SessionRow.user_id,
        SessionRow.kiosk_link_id,
        SessionRow.last_seen_at,
        SessionRow.expires_at,
        SessionRow.revoked_at,
        SessionRow.mfa_pending,
        UserRow.email,
        UserRow.name,
        UserRow.role,
        UserRow.is_active,
        UserRow.totp_secret.is_not(None).label("totp_enabled"),
    )
    .outerjoin(UserRow, UserRow.id == SessionRow.user_id)
    .where(SessionRow.token_hash == bindparam("digest"))
)


def lookup(session: Session, token: str, *, now: datetime, cfg: AuthConfig) -> Any:
    """The live, fully signed-in session row (with its user's columns) for a cookie value, or None."""
    row = session.execute(_SESSION_LOOKUP, {"digest": tokens.digest(token)}).one_or_none()
    if row is None or row.revoked_at is not None or row.mfa_pending or now >= row.expires_at:
        return None
    if now - row.last_seen_at > timedelta(minutes=cfg.session_idle_minutes):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        session.execute(update(SessionRow).where(SessionRow.id == row.id).values(last_seen_at=now))
    return row
