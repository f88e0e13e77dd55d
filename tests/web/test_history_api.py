"""The history endpoint hides glitches but keeps genuine shifts; raw=1 shows every point with its flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient

from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.tables import SnapshotHourRow, SnapshotRow
from deskpulse.sync.retention import apply_retention
from deskpulse.web.app import create_app
from support import api_key_for, config_for, source_config

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def store_series(db: Database, totals: list[int], step: timedelta = timedelta(minutes=1)) -> list[datetime]:
    with db.session() as s:
        sid = ensure_source(s, source_config()).id
        start = NOW - step * len(totals)
        stamps = [start + step * i for i in range(len(totals))]
        for at, total in zip(stamps, totals, strict=True):
            s.add(SnapshotRow(source_id=sid, at=at, open=total // 2, assigned=total - total // 2, total=total,
                              closed_today=0, partial=False))  # fmt: skip
    return stamps


def get(db: Database, query: str) -> tuple[int, object]:
    app = create_app(config_for(source_config()), db=db)
    with time_machine.travel(NOW, tick=False), TestClient(app, headers={"X-API-Key": api_key_for(db)}) as client:
        response = client.get(f"/api/history{query}")
    return response.status_code, response.json()


def test_a_single_dip_is_left_out_and_shown_flagged_in_raw(db: Database) -> None:
    totals = [200] * 20 + [25] + [201] * 20  # a partial list once dropped the count to one page
    store_series(db, totals)
    status, points = get(db, "?range=24h")
    assert status == 200
    assert isinstance(points, list)
    assert len(points) == len(totals) - 1
    assert all(p["total"] > 100 for p in points)
    status, raw = get(db, "?range=24h&raw=1")
    assert isinstance(raw, list)
    assert len(raw) == len(totals)
    assert [p["outlier"] for p in raw].count(True) == 1
    assert next(p for p in raw if p["outlier"])["total"] == 25


def test_a_genuine_jump_is_accepted_after_three_points(db: Database) -> None:
    totals = [100] * 20 + [400] * 10  # a mass incident: 300 tickets arrive and stay
    store_series(db, totals)
    _status, points = get(db, "?range=24h")
    assert isinstance(points, list)
    assert [p["total"] for p in points].count(400) == 10


def test_bad_windows_get_a_400_with_a_sentence(db: Database) -> None:
    store_series(db, [1, 2, 3])
    status, body = get(db, "?range=2w")
    assert status == 400 and "range must be one of" in body["detail"]  # type: ignore[index]
    status, body = get(db, "?since=2026-11-18T12:00:00Z&until=2026-11-18T11:00:00Z")
    assert status == 400 and "since must be before until" in body["detail"]  # type: ignore[index]
    status, body = get(db, "?since=yesterday")
    assert status == 400 and "since" in body["detail"]  # type: ignore[index]


def test_old_points_are_rolled_up_hourly_and_still_served(db: Database) -> None:
    # 40 days of a point every 30 minutes, with a glitch 38 days ago.
    step = timedelta(minutes=30)
    totals = [150] * (40 * 48)
    totals[2 * 48] = 0
    store_series(db, totals, step)
    written = apply_retention(db, NOW, raw_days=35, rollup_days=730)
    assert written > 0
    with db.session() as s:
        from sqlalchemy import func, select

        oldest_raw = s.scalar(select(func.min(SnapshotRow.at)))
        hours = s.scalars(select(SnapshotHourRow.total)).all()
    assert oldest_raw is not None and oldest_raw >= NOW - timedelta(days=35)
    assert set(hours) == {150}, "the glitch must not leak into the hourly rollup"
    assert apply_retention(db, NOW, raw_days=35, rollup_days=730) == 0  # idempotent
    _status, points = get(db, "?range=1y")
    assert isinstance(points, list)
    assert points[0]["ts"] < (NOW - timedelta(days=36)).isoformat().replace("+00:00", "Z")
    assert {p["total"] for p in points} == {150}
