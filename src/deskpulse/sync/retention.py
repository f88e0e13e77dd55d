"""History retention: full resolution for N days, then hourly rollups for two years."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from deskpulse.domain.history import flag_history, hourly_rollup, retention_cutoffs
from deskpulse.store.db import Database
from deskpulse.store.history import load_points
from deskpulse.store.tables import SnapshotHourRow, SnapshotRow

log = logging.getLogger(__name__)
# Points before the cutoff are flagged with this much earlier context, so the filter has a reference.
CONTEXT = timedelta(hours=6)


def apply_retention(db: Database, now: datetime, raw_days: int, rollup_days: int) -> int:
    """Roll raw points older than ``raw_days`` into hourly medians (outliers excluded), then drop them.

    Returns the number of hourly rows written. Idempotent: hours already rolled up are not rewritten.
    """
    raw_cutoff, rollup_cutoff = retention_cutoffs(now, raw_days, rollup_days)
    written = 0
    with db.session() as session:
        series = session.execute(select(SnapshotRow.source_id, SnapshotRow.client_id).distinct()).all()
        for source_id, client_id in series:
            written += _roll_up(session, source_id, client_id, raw_cutoff)
        session.execute(delete(SnapshotRow).where(SnapshotRow.at < raw_cutoff))
        session.execute(delete(SnapshotHourRow).where(SnapshotHourRow.hour < rollup_cutoff))
    if written:
        log.info("history retention: %d hourly points written", written)
    return written


def _roll_up(session: Session, source_id: int, client_id: int | None, raw_cutoff: datetime) -> int:
    same_raw = SnapshotRow.client_id.is_(None) if client_id is None else SnapshotRow.client_id == client_id
    oldest = session.scalar(select(func.min(SnapshotRow.at)).where(SnapshotRow.source_id == source_id, same_raw))
    if oldest is None or oldest >= raw_cutoff:
        return 0
    points = load_points(session, source_id, oldest - CONTEXT, raw_cutoff - timedelta(microseconds=1), client_id)
    rolled = hourly_rollup(points, flag_history(points))
    same_hour = SnapshotHourRow.client_id.is_(None) if client_id is None else SnapshotHourRow.client_id == client_id
    have = set(
        session.scalars(
            select(SnapshotHourRow.hour).where(
                SnapshotHourRow.source_id == source_id, same_hour, SnapshotHourRow.hour < raw_cutoff
            )
        )
    )
    fresh = [p for p in rolled if p.ts not in have]
    session.add_all(
        SnapshotHourRow(source_id=source_id, client_id=client_id, hour=p.ts, open=p.open, assigned=p.assigned,
                        total=p.total, closed_today=p.closed)
        for p in fresh
    )  # fmt: skip
    return len(fresh)
