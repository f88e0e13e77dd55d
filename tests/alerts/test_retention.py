"""History retention: resolved alerts older than ``[alerts] history_days`` go with their history, outbox rows
and deliveries, at most once a day across workers; open alerts are never pruned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from alerts_support import T0, desk_config
from deskpulse.alerts.retention import prune_if_due
from deskpulse.alerts.worker import AlertsWorker
from deskpulse.config import Config
from deskpulse.store.alerts_tables import AlertDeliveryRow, AlertEventRow, AlertOutboxRow, AlertRow
from deskpulse.store.db import Database

DAY = timedelta(days=1)


def _alert(db: Database, name: str, fired: datetime, resolved: datetime | None) -> int:
    """An alert with one history entry, one sent notice and its delivery."""
    with db.session() as session:
        row = AlertRow(
            dedupe_key=f"rule:r|{name}", open_key=None if resolved else f"rule:r|{name}", rule_id="r", rule_name="R",
            subject=name, severity="warning", title=name, message=name, state="resolved" if resolved else "firing",
            level=1, policy={}, silenced=False, fired_at=fired, last_seen_at=fired, notify_count=1,
            resolved_at=resolved,
        )  # fmt: skip
        session.add(row)
        session.flush()
        session.add(AlertEventRow(alert_id=row.id, at=fired, kind="fired"))
        outbox = AlertOutboxRow(alert_id=row.id, dedupe=f"{row.id}|fired|0|hook", channel="hook", kind="fired",
                                level=1, status="sent", attempts=1, next_attempt_at=fired,
                                created_at=fired)  # fmt: skip
        session.add(outbox)
        session.flush()
        session.add(AlertDeliveryRow(outbox_id=outbox.id, alert_id=row.id, channel="hook", kind="fired", attempt=1,
                                     ok=True, status_code=200, at=fired))  # fmt: skip
        return row.id


def _counts(db: Database) -> dict[str, Any]:
    with db.session() as session:
        return {
            "alerts": sorted(session.scalars(select(AlertRow.title))),
            **{t.__tablename__: session.scalar(select(func.count()).select_from(t))
               for t in (AlertEventRow, AlertOutboxRow, AlertDeliveryRow)},
        }  # fmt: skip


def _seed(db: Database) -> None:
    _alert(db, "old-resolved", T0 - 400 * DAY, T0 - 399 * DAY)
    _alert(db, "recent-resolved", T0 - 100 * DAY, T0 - 99 * DAY)
    _alert(db, "ancient-but-open", T0 - 500 * DAY, None)
    with db.session() as session:  # a test notification a year and a half ago
        session.add(AlertDeliveryRow(channel="hook", kind="test", attempt=1, ok=True, status_code=200,
                                     at=T0 - 500 * DAY))  # fmt: skip


async def test_the_worker_prunes_old_resolved_alerts_with_everything_about_them_and_never_open_ones(
    db: Database,
) -> None:
    _seed(db)
    worker = AlertsWorker(db, desk_config(), clock=lambda: T0)
    assert await worker.prune(T0) == 1
    assert _counts(db) == {"alerts": ["ancient-but-open", "recent-resolved"], "alert_events": 2, "alert_outbox": 2,
                           "alert_deliveries": 2}  # fmt: skip
    assert await worker.prune(T0 + timedelta(hours=23)) is None, "at most once a day"


async def test_history_days_sets_how_long_resolved_alerts_are_kept(db: Database) -> None:
    _seed(db)
    config = Config.model_validate({**desk_config().model_dump(), "alerts": {"history_days": 30}})
    worker = AlertsWorker(db, config, clock=lambda: T0)
    assert await worker.prune(T0) == 2
    assert _counts(db)["alerts"] == ["ancient-but-open"]


def test_two_workers_on_the_same_day_prune_once(db: Database) -> None:
    _seed(db)
    with db.session() as session:
        first = prune_if_due(session, T0, 365)
    with db.session() as session:
        second = prune_if_due(session, T0 + timedelta(minutes=1), 365)
    with db.session() as session:
        next_day = prune_if_due(session, T0 + DAY, 365)
    assert (first, second, next_day) == (1, None, 0)
