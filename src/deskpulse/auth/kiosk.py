"""Kiosk links: an admin hands a TV a signed, revocable, read-only link to one board or a rotation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth import tokens
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.store.auth_tables import KioskLinkRow
from deskpulse.store.clients import client_ids

BOARDS = ("dashboard",)
# A board "tv:<playlist>" limits a link to that TV playlist (its page and its data), nothing else.
TV_PREFIX = "tv:"


class KioskError(ValueError):
    """The link cannot be created as asked."""


def create(
    session: Session, *, name: str, boards: Sequence[str], clients: Sequence[str] | None, creator: int | None,
    now: datetime,
) -> tuple[KioskLinkRow, str]:  # fmt: skip
    """Create a link; returns (row, secret for the URL)."""
    unknown = sorted(b for b in set(boards) - set(BOARDS) if not (b.startswith(TV_PREFIX) and b[len(TV_PREFIX) :]))
    if not boards or unknown:
        raise KioskError(
            f"Boards must be among {', '.join(BOARDS)} or {TV_PREFIX}<playlist>; got {', '.join(boards) or 'none'}."
        )
    keys = list(clients) if clients else None
    if keys is not None and sorted(set(keys) - set(client_ids(session, keys))):
        raise KioskError("Unknown client in the kiosk link.")
    issued = tokens.issue("kiosk")
    row = KioskLinkRow(
        prefix=issued.prefix, token_hash=issued.digest, name=name.strip()[:100] or "TV", boards=list(boards),
        client_keys=keys, created_by=creator, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row, issued.value


def tv_only(boards: Sequence[str]) -> frozenset[str] | None:
    """The TV playlists a link is limited to; None for a link that opens the dashboard (which already reads the
    numbers of every board, so it opens every playlist too, as it always has)."""
    if "dashboard" in boards:
        return None
    return frozenset(b[len(TV_PREFIX) :] for b in boards if b.startswith(TV_PREFIX))


def opens_playlist(boards: Sequence[str], playlist: str) -> bool:
    """True when a link with ``boards`` may show TV playlist ``playlist``."""
    limited = tv_only(boards)
    return limited is None or playlist in limited


def find(session: Session, secret: str) -> KioskLinkRow | None:
    """The live (not revoked) link for a presented secret."""
    prefix = tokens.prefix_of(secret)
    if prefix is None:
        return None
    row = session.scalar(select(KioskLinkRow).where(KioskLinkRow.prefix == prefix))
    if row is None or row.revoked_at is not None or not tokens.matches(secret, row.token_hash):
        return None
    return row


def principal_for(session: Session, row: KioskLinkRow, *, session_id: int | None = None) -> Principal:
    """A read-only viewer limited to the link's boards (and clients, if given)."""
    scope = None if row.client_keys is None else frozenset(client_ids(session, row.client_keys).values())
    return Principal(
        kind="kiosk", role=Role.VIEWER, actor=f"kiosk:{row.prefix}", client_ids=scope, name=row.name,
        session_id=session_id, kiosk_boards=tuple(row.boards),
    )  # fmt: skip


def revoke(session: Session, prefix: str, *, now: datetime) -> KioskLinkRow | None:
    """Revoke a link (its TVs are signed out on their next request)."""
    row = session.scalar(select(KioskLinkRow).where(KioskLinkRow.prefix == prefix.strip()))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
    return row
