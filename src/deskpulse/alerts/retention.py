"""History retention: resolved alerts older than ``[alerts] history_days`` are deleted with their history,
outbox rows and delivery attempts. Open alerts are never pruned, however old.

The alerts worker calls :func:`prune_if_due` on every run; a compare-and-set on the ``prune`` chore row lets
one worker of many prune, at most once a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from deskpulse.alerts.opening import insert_rows_ignoring
from deskpulse.alerts.outbox import RESOLVED
from deskpulse.store.alerts_tables import AlertChoreRow, AlertDeliveryRow, AlertEventRow, AlertOutboxRow, AlertRow

PRUNE = "prune"
PRUNE_EVERY = timedelta(days=1)
BATCH = 500


def claim_chore(session: Session, name: str, now: datetime, every: timedelta) -> bool:
    """True for the one caller that may run chore ``name`` now (it last ran ``every`` ago or never)."""
    insert_rows_ignoring(session, AlertChoreRow.__table__, [{"name": name, "last_run_at": now - every}], "name")
    stmt = (
        update(AlertChoreRow)
        .where(AlertChoreRow.name == name, AlertChoreRow.last_run_at <= now - every)
        .values(last_run_at=now)
    )
    return getattr(session.execute(stmt), "rowcount", 0) == 1


def prune_history(session: Session, now: datetime, days: int) -> int:
    """Delete resolved alerts resolved more than ``days`` ago (with everything recorded about them) and test
    deliveries as old; how many alerts were deleted."""
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            session.scalars(
                select(AlertRow.id)
                .where(AlertRow.state == RESOLVED, AlertRow.open_key.is_(None), AlertRow.resolved_at < cutoff)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        outbox = select(AlertOutboxRow.id).where(AlertOutboxRow.alert_id.in_(ids))
        session.execute(
            delete(AlertDeliveryRow).where(
                or_(AlertDeliveryRow.alert_id.in_(ids), AlertDeliveryRow.outbox_id.in_(outbox))
            )
        )
        session.execute(delete(AlertOutboxRow).where(AlertOutboxRow.alert_id.in_(ids)))
        session.execute(delete(AlertEventRow).where(AlertEventRow.alert_id.in_(ids)))
        session.execute(delete(AlertRow).where(AlertRow.id.in_(ids)))
        deleted += len(ids)
    session.execute(
        delete(AlertDeliveryRow).where(
            AlertDeliveryRow.alert_id.is_(None), AlertDeliveryRow.outbox_id.is_(None), AlertDeliveryRow.at < cutoff
        )
    )
    return deleted


def prune_if_due(session: Session, now: datetime, days: int) -> int | None:
    """Prune when no worker has done so in the last day; how many alerts were deleted, or None when not due."""
    if not claim_chore(session, PRUNE, now, PRUNE_EVERY):
        return None
    return prune_history(session, now, days)
