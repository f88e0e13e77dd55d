"""People acting on alerts: acknowledge (stops escalation and repeats) and resolve; and closing an alert,
which queues the resolved notice for every channel that got a notice of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from deskpulse.alerts.outbox import (
    ACKNOWLEDGED,
    FIRING,
    OPEN_STATES,
    RESOLVED,
    RESOLVED_NOTICE,
    notified_channels,
    record_event,
)
from deskpulse.alerts.outbox import queue as queue_notice
from deskpulse.store.alerts_tables import AlertRow


class AlertNotFound(LookupError):
    """No such alert (or not one the caller may see)."""


class AlertStateError(ValueError):
    """The alert is not in a state that allows the action; the message says why in a sentence."""


def close_alert(
    session: Session, row: AlertRow, by: str | None, now: datetime, *, note: str | None = None
) -> int | None:
    """Resolve ``row`` (``by`` None: automatically) and queue the resolved notices; how many were queued, or
    None when it was no longer open (someone else closed it first)."""
    stmt = (
        update(AlertRow)
        .where(AlertRow.id == row.id, AlertRow.state.in_(OPEN_STATES))
        .values(state=RESOLVED, open_key=None, resolved_at=now, resolved_by=by)
    )
    if getattr(session.execute(stmt, execution_options={"synchronize_session": "fetch"}), "rowcount", 0) != 1:
        return None
    record_event(session, row.id, "resolved" if by else "auto_resolved", now, actor=by, note=note)
    return queue_notice(session, row, RESOLVED_NOTICE, 0, notified_channels(session, row.id), now)


def _load(session: Session, alert_id: int, client_ids: frozenset[int] | None) -> AlertRow:
    row = session.get(AlertRow, alert_id, with_for_update=True)
    if row is None or (client_ids is not None and row.client_id not in client_ids):
        raise AlertNotFound(f"Alert {alert_id} was not found.")
    return row


def acknowledge(
    session: Session, alert_id: int, by: str, now: datetime, *, note: str | None = None,
    client_ids: frozenset[int] | None = None,
) -> AlertRow:  # fmt: skip
    """Acknowledge a firing alert (who, when, note); acknowledging it again changes nothing. AlertNotFound
    outside ``client_ids``; AlertStateError once resolved."""
    row = _load(session, alert_id, client_ids)
    if row.state == ACKNOWLEDGED:
        return row
    if row.state != FIRING:
        raise AlertStateError(f"Alert {alert_id} is already resolved; there is nothing to acknowledge.")
    row.state, row.acknowledged_at, row.acknowledged_by, row.ack_note = ACKNOWLEDGED, now, by, note
    record_event(session, row.id, "acknowledged", now, actor=by, note=note)
    return row


def resolve(
    session: Session, alert_id: int, by: str, now: datetime, *, note: str | None = None,
    client_ids: frozenset[int] | None = None,
) -> AlertRow:  # fmt: skip
    """Resolve an open alert by hand (resolving a resolved alert changes nothing). If its condition still
    holds, the next evaluation opens a new alert: acknowledge to quiet an alert that is being worked on."""
    row = _load(session, alert_id, client_ids)
    if row.state in OPEN_STATES:
        close_alert(session, row, by, now, note=note)
    return row
