"""Single-use, expiring links: password reset (1 h) and the first admin's set-up link."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth import tokens
from deskpulse.store.auth_tables import OneTimeTokenRow

RESET = "password_reset"
FIRST_ADMIN = "first_admin"


def issue(session: Session, *, purpose: str, now: datetime, ttl: timedelta, user_id: int | None = None) -> str:
    """Create a token and return its secret value (to put in a link)."""
    issued = tokens.issue("t")
    session.add(
        OneTimeTokenRow(
            token_hash=issued.digest, purpose=purpose, user_id=user_id, created_at=now, expires_at=now + ttl
        )
    )
    return issued.value


def peek(session: Session, value: str, *, purpose: str, now: datetime) -> OneTimeTokenRow | None:
    """The token if it is valid now (unused, unexpired, right purpose), without using it up."""
    row = session.scalar(select(OneTimeTokenRow).where(OneTimeTokenRow.token_hash == tokens.digest(value)))
    if row is None or row.purpose != purpose or row.used_at is not None or now >= row.expires_at:
        return None
    return row


def consume(session: Session, value: str, *, purpose: str, now: datetime) -> OneTimeTokenRow | None:
    """Use the token up; None when it is not valid now."""
    row = peek(session, value, purpose=purpose, now=now)
    if row is not None:
        row.used_at = now
    return row
