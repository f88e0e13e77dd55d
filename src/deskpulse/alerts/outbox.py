"""Writing alert history and queueing notices, inside the caller's transaction.

Inserts that could race between workers use ``INSERT ... ON CONFLICT DO NOTHING`` on a unique column
(SQLite and PostgreSQL alike), so the loser of a race sees "already there" instead of an error that would
poison its transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from deskpulse.store.alerts_tables import AlertEventRow, AlertOutboxRow, AlertRow

FIRING, ACKNOWLEDGED, RESOLVED = "firing", "acknowledged", "resolved"
OPEN_STATES = (FIRING, ACKNOWLEDGED)
# Notice kinds; the resolved notice goes to every channel that got one of NOTICE_KINDS.
FIRED, ESCALATED, REPEATED, RESOLVED_NOTICE, WRITEBACK = "fired", "escalated", "repeated", "resolved", "writeback"
NOTICE_KINDS = (FIRED, ESCALATED, REPEATED)
# The outbox "channel" of a ticket write-back; "~" cannot start a channel name, so it never clashes.
WRITEBACK_CHANNEL = "~writeback"
PENDING, SENT, FAILED = "pending", "sent", "failed"


def insert_ignore(session: Session, entity: Any, values: dict[str, Any], conflict: str) -> int | None:
    """Insert one row unless ``conflict`` (a unique column) already holds its value; the new id, or None."""
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(entity).values(**values).on_conflict_do_nothing(index_elements=[conflict])
    found: int | None = session.execute(stmt.returning(entity.id)).scalar_one_or_none()
    return found


def record_event(
    session: Session, alert_id: int, kind: str, at: datetime, *, actor: str | None = None, level: int | None = None,
    channel: str | None = None, note: str | None = None,
) -> None:  # fmt: skip
    """Append one history entry of ``alert_id``."""
    session.add(AlertEventRow(alert_id=alert_id, at=at, kind=kind, actor=actor, level=level, channel=channel,
                              note=note))  # fmt: skip


def queue(session: Session, alert: AlertRow, kind: str, sequence: int, channels: list[str], now: datetime) -> int:
    """Queue notice ``kind`` number ``sequence`` of ``alert`` for each channel; how many were new."""
    added = 0
    for channel in dict.fromkeys(channels):
        values = {
            "alert_id": alert.id, "dedupe": f"{alert.id}|{kind}|{sequence}|{channel}", "channel": channel,
            "kind": kind, "level": alert.level, "status": PENDING, "attempts": 0, "next_attempt_at": now,
            "created_at": now,
        }  # fmt: skip
        if insert_ignore(session, AlertOutboxRow, values, "dedupe") is not None:
            added += 1
    return added


def notified_channels(session: Session, alert_id: int) -> list[str]:
    """Channels that were sent (or are still being sent) a notice of ``alert_id``, in the order first queued."""
    rows = session.execute(
        select(AlertOutboxRow.channel, AlertOutboxRow.id)
        .where(AlertOutboxRow.alert_id == alert_id, AlertOutboxRow.kind.in_(NOTICE_KINDS))
        .order_by(AlertOutboxRow.id)
    ).all()
    return list(dict.fromkeys(channel for channel, _ in rows))


def level_channels(policy: dict[str, Any], first: int, last: int) -> list[str]:
    """Channels of levels ``first``..``last`` (1-based, inclusive) of an alert's policy snapshot."""
    levels = policy.get("levels", [])
    return list(dict.fromkeys(c for level in levels[first - 1 : last] for c in level.get("channels", [])))
