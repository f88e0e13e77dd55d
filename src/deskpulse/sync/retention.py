"""History retention: full resolution for N days, then hourly rollups for two years."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from deskpulse.domain.history import flag_history, hourly_rollup, retention_cutoffs
from deskpulse.store.db import Database
from deskpulse.store.history import load_points
from deskpulse.store.tables import SnapshotHourRow, SnapshotRow, SourceRow

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
        for source_id in session.scalars(select(SourceRow.id)).all():
            oldest = session.scalar(select(func.min(SnapshotRow.at)).where(SnapshotRow.source_id == source_id))
            if oldest is None or oldest >= raw_cutoff:
                continue
            points = load_points(session, source_id, oldest - CONTEXT, raw_cutoff - timedelta(microseconds=1))
            rolled = hourly_rollup(points, flag_history(points))
            have = set(
                session.scalars(
                    select(SnapshotHourRow.hour).where(
                        SnapshotHourRow.source_id == source_id, SnapshotHourRow.hour < raw_cutoff
                    )
                )
            )
            for p in rolled:
                if p.ts not in have:
                    session.add(
                        SnapshotHourRow(
                            source_id=source_id,
                            hour=p.ts,
                            open=p.open,
                            assigned=p.assigned,
                            total=p.total,
                            closed_today=p.closed,
                        )
                    )
                    written += 1
            session.execute(delete(SnapshotRow).where(SnapshotRow.source_id == source_id, SnapshotRow.at < raw_cutoff))
        session.execute(delete(SnapshotHourRow).where(SnapshotHourRow.hour < rollup_cutoff))
    if written:
        log.info("history retention: %d hourly points written", written)
    return written
