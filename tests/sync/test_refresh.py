"""A targeted refresh stores what the vendor says about a few named tickets, and nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.tables import SnapshotRow, SourceRow, TicketRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.sync.refresh import MAX_TICKETS_PER_REFRESH, refresh_tickets
from support import Clock, RecordingSleep, config_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


async def synced(db: Database, scenario: TrengoScenario) -> tuple[SyncEngine, object, Clock]:
    """An engine with one full cycle behind it, its simulator and its clock."""
    app = simulator(scenario)
    source = source_config(timeout_seconds=0.3, max_retries=0)
    clock = Clock(NOW)
    engine = SyncEngine(db, config_for(source), source, connector_for(app, source, RecordingSleep()), clock=clock)
    assert (await engine.run_cycle()).ok
    clock.tick(minutes=1)
    return engine, app, clock


def row(db: Database, ext: str) -> TicketRow:
    with db.session() as session:
        found = session.scalars(select(TicketRow).where(TicketRow.external_id == ext)).one()
        session.expunge(found)
        return found


def count(db: Database, table: type) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_ticket_closed_at_the_vendor_leaves_the_active_set(db: Database) -> None:
    scenario = TrengoScenario(21, open_tickets=8, history_days=1, now=NOW)
    engine, _, clock = await synced(db, scenario)
    ticket = scenario.open_tickets()[0]["id"]
    scenario.close(ticket)

    result = await refresh_tickets(engine, [str(ticket)])

    assert result.ok and result.found == 1 and result.deleted == 0
    stored = row(db, str(ticket))
    assert stored.status_raw == "CLOSED" and not stored.is_active
    assert stored.synced_at.replace(tzinfo=UTC) == clock.now
    assert [ext for ids in result.stats.touched.values() for ext in ids] == [str(ticket)]


async def test_a_ticket_the_vendor_deleted_is_marked_deleted(db: Database) -> None:
    scenario = TrengoScenario(22, open_tickets=5, history_days=1, now=NOW)
    engine, _, _ = await synced(db, scenario)
    ticket = scenario.open_tickets()[0]["id"]
    scenario.delete(ticket)

    result = await refresh_tickets(engine, [str(ticket)])

    assert result.ok and result.deleted == 1
    stored = row(db, str(ticket))
    assert stored.deleted_at is not None and not stored.is_active


async def test_a_new_ticket_is_inserted_and_the_others_are_left_alone(db: Database) -> None:
    scenario = TrengoScenario(23, open_tickets=6, history_days=1, now=NOW)
    engine, _, _ = await synced(db, scenario)
    active_before = count_active(db)
    new = scenario.add_ticket(status="OPEN", created_at=NOW + timedelta(seconds=30))

    result = await refresh_tickets(engine, [str(new["id"])])

    assert result.ok and result.stats.inserted == 1
    assert row(db, str(new["id"])).is_active
    assert count_active(db) == active_before + 1, "no other ticket left the active set (the view was partial)"


def count_active(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(TicketRow.is_active.is_(True))) or 0)


async def test_a_refresh_never_writes_a_history_snapshot_nor_marks_the_source_synced(db: Database) -> None:
    scenario = TrengoScenario(24, open_tickets=6, history_days=1, now=NOW)
    engine, _, _ = await synced(db, scenario)
    snapshots = count(db, SnapshotRow)
    with db.session() as session:
        synced_at = session.scalars(select(SourceRow.last_ok_at)).one()
    scenario.close(scenario.open_tickets()[0]["id"])

    assert (await refresh_tickets(engine, [t["id"] for t in scenario.open_tickets()][:3])).ok

    assert count(db, SnapshotRow) == snapshots
    with db.session() as session:
        assert session.scalars(select(SourceRow.last_ok_at)).one() == synced_at


async def test_a_refresh_reads_at_most_twenty_tickets(db: Database) -> None:
    scenario = TrengoScenario(25, open_tickets=30, history_days=1, now=NOW)
    engine, app, _ = await synced(db, scenario)
    app.state.request_log.clear()  # type: ignore[attr-defined]
    ids = [str(t["id"]) for t in scenario.open_tickets()]

    result = await refresh_tickets(engine, ids + ids)

    assert result.ok and result.found == MAX_TICKETS_PER_REFRESH == result.requests
    assert len(app.state.request_log) == MAX_TICKETS_PER_REFRESH  # type: ignore[attr-defined]


async def test_a_vendor_failure_writes_nothing_and_is_reported(db: Database) -> None:
    scenario = TrengoScenario(26, open_tickets=4, history_days=1, now=NOW)
    engine, app, _ = await synced(db, scenario)
    ticket = scenario.open_tickets()[0]["id"]
    scenario.close(ticket)
    app.state.faults.set(FaultPlan(mode="server_error", status=503))  # type: ignore[attr-defined]

    result = await refresh_tickets(engine, [str(ticket)])

    assert not result.ok and result.error and "503" in result.error
    assert row(db, str(ticket)).is_active, "the store still has the last reading"
