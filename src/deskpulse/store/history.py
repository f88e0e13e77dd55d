"""Reading the snapshot history (raw points plus hourly rollups) for one or several sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.domain.history import HistoryPoint
from deskpulse.store.tables import SnapshotHourRow, SnapshotRow


def load_points(
    session: Session, source_id: int, since: datetime, until: datetime, client_id: int | None = None
) -> list[HistoryPoint]:
    """Points of one source in [since, until]: hourly rollups where raw points have expired, raw after.

    ``client_id`` None reads the whole source's series; otherwise that client's own series.
    """
    raw_client = SnapshotRow.client_id.is_(None) if client_id is None else SnapshotRow.client_id == client_id
    hour_client = SnapshotHourRow.client_id.is_(None) if client_id is None else SnapshotHourRow.client_id == client_id
    raw = session.execute(
        select(SnapshotRow.at, SnapshotRow.open, SnapshotRow.assigned, SnapshotRow.total, SnapshotRow.closed_today)
        .where(SnapshotRow.source_id == source_id, raw_client, SnapshotRow.at >= since, SnapshotRow.at <= until)
        .order_by(SnapshotRow.at)
    ).all()
    first_raw = raw[0].at if raw else until
    hours = session.execute(
        select(
            SnapshotHourRow.hour,
            SnapshotHourRow.open,
            SnapshotHourRow.assigned,
            SnapshotHourRow.total,
            SnapshotHourRow.closed_today,
        )
        .where(
            SnapshotHourRow.source_id == source_id,
            hour_client,
            SnapshotHourRow.hour >= since,
            SnapshotHourRow.hour < first_raw,
        )
        .order_by(SnapshotHourRow.hour)
    ).all()
    return [HistoryPoint(r[0], r[1], r[2], r[3], r[4]) for r in (*hours, *raw)]


def merge_sources(series: Sequence[list[HistoryPoint]]) -> list[HistoryPoint]:
    """Sum several sources' series: at each timestamp, each source contributes its latest known point."""
    if len(series) == 1:
        return list(series[0])
    events = sorted((p.ts, i, p) for i, s in enumerate(series) for p in s)
    latest: dict[int, HistoryPoint] = {}
    merged: list[HistoryPoint] = []
    for ts, i, point in events:
        latest[i] = point
        if len(latest) < len(series):
            continue  # not every source has reported yet: a sum would be a false dip
        values = latest.values()
        merged.append(
            HistoryPoint(
                ts,
                sum(p.open for p in values),
                sum(p.assigned for p in values),
                sum(p.total for p in values),
                sum(p.closed for p in values),
            )
        )
    return merged
