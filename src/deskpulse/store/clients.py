"""Clients: registered from the config, matched to tickets by the requester's e-mail domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.config import ClientConfig
from deskpulse.store.tables import ClientRow


def sync_clients(session: Session, clients: Sequence[ClientConfig]) -> dict[str, int]:
    """Create or rename the configured clients; returns client key -> id. Clients are never deleted."""
    rows = {r.key: r for r in session.scalars(select(ClientRow))}
    for cfg in clients:
        row = rows.get(cfg.id)
        if row is None:
            row = ClientRow(key=cfg.id, name=cfg.name)
            session.add(row)
            rows[cfg.id] = row
        else:
            row.name = cfg.name
    session.flush()
    return {key: row.id for key, row in rows.items()}


def client_ids(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """Ids of the clients named by ``keys`` (unknown keys are left out)."""
    if not keys:
        return {}
    return dict(session.execute(select(ClientRow.key, ClientRow.id).where(ClientRow.key.in_(keys))).all())


def all_clients(session: Session) -> list[ClientRow]:
    """Every client, by name."""
    return list(session.scalars(select(ClientRow).order_by(ClientRow.name)))
