"""A Freshservice source through the same all-or-nothing sync cycle as Trengo."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
from sqlalchemy import func, select

from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app
from deskpulse.store.db import Database
from deskpulse.store.tables import SnapshotRow, SourceRow, TicketRow
from deskpulse.sync.engine import SyncEngine
from support import Clock, RecordingSleep, config_for

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def engine_for(db: Database, scenario: FreshserviceScenario) -> tuple[SyncEngine, object]:
    app = create_app(scenario, plan="enterprise")
    settings = FreshserviceSettings(
        name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="enterprise", budget_share=1,
        timeout_seconds=0.5, max_retries=1,
    )  # fmt: skip
    connector = FreshserviceConnector(
        settings, transport=httpx2.ASGITransport(app=app), sleep=RecordingSleep(), now=lambda: NOW
    )
    return SyncEngine(db, config_for(settings), settings, connector, clock=Clock(NOW)), app


def active_ids(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(TicketRow.external_id).where(TicketRow.is_active.is_(True))))


async def test_a_freshservice_cycle_stores_exactly_the_active_set(db: Database) -> None:
    scenario = FreshserviceScenario(3, active_tickets=120, history_days=10, now=NOW)
    engine, _ = engine_for(db, scenario)
    result = await engine.run_cycle()
    assert result.ok, result.error
    assert active_ids(db) == sorted(str(t["id"]) for t in scenario.active_tickets())


async def test_a_failed_freshservice_cycle_changes_nothing(db: Database) -> None:
    scenario = FreshserviceScenario(4, active_tickets=150, history_days=10, now=NOW)
    engine, app = engine_for(db, scenario)
    assert (await engine.run_cycle()).ok
    before = active_ids(db)
    with db.session() as s:
        snapshots = s.scalar(select(func.count()).select_from(SnapshotRow))
    app.state.faults.set(FaultPlan(mode="truncated"))  # type: ignore[attr-defined]
    result = await engine.run_cycle()
    assert not result.ok and "JSON" in (result.error or "")
    assert active_ids(db) == before
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SnapshotRow)) == snapshots
        row = s.scalar(select(SourceRow))
        assert row is not None and row.stale_since is not None


async def test_a_restart_does_not_blank_first_response_times_the_filter_cannot_see(db: Database) -> None:
    scenario = FreshserviceScenario(5, active_tickets=80, history_days=10, now=NOW)
    engine, _ = engine_for(db, scenario)
    assert (await engine.run_cycle()).ok  # the open set (filter: no stats)
    engine.clock = Clock(NOW.replace(minute=1))
    assert (await engine.run_cycle()).ok  # the changed-ticket sweep brings the stats

    def responded() -> int:
        with db.session() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(TicketRow)
                    .where(TicketRow.is_active.is_(True), TicketRow.first_responded_at.is_not(None))
                )
                or 0
            )

    known = responded()
    assert known > 0
    fresh, _ = engine_for(db, scenario)  # a new process: the connector remembers no stats
    fresh.clock = Clock(NOW.replace(minute=2))
    assert (await fresh.run_cycle()).ok
    assert responded() == known


async def test_between_reconciliations_a_cycle_reads_only_what_changed(db: Database) -> None:
    scenario = FreshserviceScenario(6, active_tickets=600, history_days=5, now=NOW)
    engine, app = engine_for(db, scenario)
    clock = Clock(NOW)
    engine.clock = clock
    assert (await engine.run_cycle()).ok  # reconciliation: the whole active set
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok  # the changed-ticket backfill
    full = [t for t in scenario.active_tickets()]
    target, victim = full[0], full[1]
    clock.tick(minutes=1)
    scenario._now = int(clock.now.timestamp())  # type: ignore[attr-defined]  # the vendor's clock moves too
    scenario.update_ticket(target["id"], status=4)  # resolved
    scenario.delete_ticket(victim["id"])
    before = len(app.state.request_log)  # type: ignore[attr-defined]
    result = await engine.run_cycle()
    assert result.ok, result.error
    incremental_calls = len(app.state.request_log) - before  # type: ignore[attr-defined]
    ids = active_ids(db)
    assert str(target["id"]) not in ids, "a change made after the watermark is picked up"
    assert str(victim["id"]) in ids, "deletions are only seen by the next reconciliation"
    assert incremental_calls <= 3

    clock.tick(hours=1, minutes=1)  # reconciliation due
    scenario._now = int(clock.now.timestamp())  # type: ignore[attr-defined]
    before = len(app.state.request_log)  # type: ignore[attr-defined]
    assert (await engine.run_cycle()).ok
    assert len(app.state.request_log) - before > incremental_calls  # type: ignore[attr-defined]
    assert str(victim["id"]) not in active_ids(db)


async def test_an_unknown_status_is_a_warning_on_the_source_not_a_failed_cycle(db: Database) -> None:
    scenario = FreshserviceScenario(5, active_tickets=20, history_days=0, now=NOW)
    odd = scenario.add_ticket(created_at=NOW)
    engine, _ = engine_for(db, scenario)
    assert (await engine.run_cycle()).ok
    scenario.tickets[odd["id"]]["status"] = 99  # a custom status the form does not list
    result = await engine.run_cycle()
    assert result.ok, result.error
    assert str(odd["id"]) in active_ids(db), "the ticket is kept, as open"
    with db.session() as s:
        row = s.scalar(select(SourceRow))
        assert row is not None and row.stale_since is None
        assert row.warnings is not None and "99" in row.warnings
    del scenario.tickets[odd["id"]]
    assert (await engine.run_cycle()).ok
    with db.session() as s:
        row = s.scalar(select(SourceRow))
        assert row is not None and row.warnings is None, "a clean cycle clears the warning"
