"""A sync cycle commits everything or nothing; failures leave the store as it was and mark the source stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.tables import SnapshotRow, SourceRow, TicketChangeRow, TicketRow
from deskpulse.sync.engine import SyncEngine
from support import Clock, RecordingSleep, config_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def build(db: Database, scenario: TrengoScenario, clock: Clock, **cfg: object) -> tuple[SyncEngine, object]:
    app = simulator(scenario)
    source = source_config(timeout_seconds=0.3, max_retries=1, **cfg)
    engine = SyncEngine(db, config_for(source), source, connector_for(app, source, RecordingSleep()), clock=clock)
    return engine, app


def store_state(db: Database) -> dict[str, object]:
    with db.session() as s:
        return {
            "active": sorted(s.scalars(select(TicketRow.external_id).where(TicketRow.is_active.is_(True)))),
            "tickets": s.scalar(select(func.count()).select_from(TicketRow)),
            "snapshots": s.scalar(select(func.count()).select_from(SnapshotRow)),
            "changes": s.scalar(select(func.count()).select_from(TicketChangeRow)),
        }


def source_row(db: Database) -> SourceRow:
    with db.session() as s:
        row = s.scalar(select(SourceRow))
        assert row is not None
        return row


async def test_a_first_cycle_stores_the_open_set_and_one_snapshot(db: Database) -> None:
    scenario = TrengoScenario(3, open_tickets=60, history_days=10, now=NOW)
    engine, _ = build(db, scenario, Clock(NOW))
    result = await engine.run_cycle()
    assert result.ok, result.error
    state = store_state(db)
    assert state["active"] == sorted(str(t["id"]) for t in scenario.open_tickets())
    assert state["snapshots"] == 1
    with db.session() as s:
        snap = s.scalar(select(SnapshotRow))
        assert snap is not None
        assert snap.total == len(scenario.open_tickets())
        assert snap.open + snap.assigned == snap.total
    row = source_row(db)
    assert row.last_ok_at == NOW and row.stale_since is None


@pytest.mark.parametrize(
    "plan",
    [
        FaultPlan(mode="server_error", status=502),
        FaultPlan(mode="timeout", delay_seconds=5),
        FaultPlan(mode="truncated"),
        FaultPlan(mode="fail_on_page", page=3),
        FaultPlan(mode="rate_limit", retry_after=1),
    ],
    ids=["5xx", "timeout", "truncated", "page-3", "429-storm"],
)
async def test_a_failed_cycle_changes_nothing_and_marks_the_source_stale(db: Database, plan: FaultPlan) -> None:
    scenario = TrengoScenario(4, open_tickets=240, history_days=10, now=NOW)
    clock = Clock(NOW)
    engine, app = build(db, scenario, clock)
    assert (await engine.run_cycle()).ok
    before = store_state(db)

    # The desk moves on: tickets close, new ones arrive. Then the vendor misbehaves.
    for ticket in scenario.open_tickets()[:30]:
        scenario.close(ticket["id"])
    scenario.add_ticket(status="OPEN", created_at=NOW)
    app.state.faults.set(plan)
    clock.tick(minutes=1)
    result = await engine.run_cycle()

    assert not result.ok
    assert store_state(db) == before, "a failed cycle must not delete, add or snapshot anything"
    row = source_row(db)
    assert row.stale_since == clock.now
    assert row.last_error and len(row.last_error) > 10

    # The next good cycle catches up and clears the stale mark.
    app.state.faults.clear()
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok
    after = store_state(db)
    assert after["active"] == sorted(str(t["id"]) for t in scenario.open_tickets())
    assert after["snapshots"] == before["snapshots"] + 1  # type: ignore[operator]
    assert source_row(db).stale_since is None


async def test_stale_since_keeps_the_first_failure_time(db: Database) -> None:
    scenario = TrengoScenario(5, open_tickets=10, history_days=2, now=NOW)
    clock = Clock(NOW)
    engine, app = build(db, scenario, clock)
    app.state.faults.set(FaultPlan(mode="server_error"))
    await engine.run_cycle()
    first = clock.now
    clock.tick(minutes=5)
    await engine.run_cycle()
    assert source_row(db).stale_since == first


async def test_a_ticket_that_leaves_the_open_set_is_kept_with_its_closing_time(db: Database) -> None:
    scenario = TrengoScenario(6, open_tickets=20, history_days=2, now=NOW)
    clock = Clock(NOW)
    engine, _ = build(db, scenario, clock)
    assert (await engine.run_cycle()).ok
    victim = scenario.open_tickets()[0]
    # Closed without a new message: the closed sweep (by last message date) cannot see it; the lookup can.
    scenario.close(victim["id"])
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok
    with db.session() as s:
        row = s.scalar(select(TicketRow).where(TicketRow.external_id == str(victim["id"])))
        assert row is not None
        assert not row.is_active
        assert row.status_category == "closed"
        assert row.closed_at is not None
        fields = set(s.scalars(select(TicketChangeRow.field).where(TicketChangeRow.ticket_id == row.id)))
    assert {"status_raw", "status_category", "closed_at"} <= fields


async def test_a_merged_away_ticket_is_marked_deleted_not_removed(db: Database) -> None:
    scenario = TrengoScenario(8, open_tickets=15, history_days=2, now=NOW)
    clock = Clock(NOW)
    engine, _ = build(db, scenario, clock)
    assert (await engine.run_cycle()).ok
    victim = scenario.open_tickets()[0]
    scenario.delete(victim["id"])
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok
    with db.session() as s:
        row = s.scalar(select(TicketRow).where(TicketRow.external_id == str(victim["id"])))
        assert row is not None and row.deleted_at == clock.now and not row.is_active


async def test_assignment_changes_are_recorded_as_observed_transitions(db: Database) -> None:
    scenario = TrengoScenario(9, open_tickets=0, history_days=0, now=NOW)
    ticket = scenario.add_ticket(status="OPEN", created_at=NOW - timedelta(hours=1))
    clock = Clock(NOW)
    engine, _ = build(db, scenario, clock)
    assert (await engine.run_cycle()).ok
    user = next(iter(scenario.users))
    scenario.assign(ticket["id"], user_id=user)
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok
    with db.session() as s:
        changes = {c.field: (c.old, c.new) for c in s.scalars(select(TicketChangeRow))}
    assert changes["status_category"] == ("new", "assigned")
    assert changes["agent_external_id"] == (None, str(user))


async def test_unchanged_tickets_are_not_rewritten(db: Database) -> None:
    scenario = TrengoScenario(10, open_tickets=40, history_days=1, now=NOW)
    clock = Clock(NOW)
    engine, _ = build(db, scenario, clock)
    await engine.run_cycle()  # the open set
    clock.tick(minutes=1)
    await engine.run_cycle()  # the closed backfill
    clock.tick(minutes=1)
    result = await engine.run_cycle()
    assert result.ok
    assert not result.swept_closed
    assert result.stats.inserted == 0 and result.stats.updated == 0
    assert result.stats.unchanged >= 40


async def test_a_mass_closure_beyond_the_lookup_limit_still_leaves_nothing_active_by_mistake(db: Database) -> None:
    scenario = TrengoScenario(13, open_tickets=80, history_days=1, now=NOW)
    clock = Clock(NOW)
    engine, _ = build(db, scenario, clock)
    assert (await engine.run_cycle()).ok
    leaving = scenario.open_tickets()[:45]  # more than one cycle's per-ticket lookups
    for t in leaving[:44]:
        scenario.close(t["id"])
    scenario.delete(leaving[44]["id"])
    clock.tick(minutes=1)
    result = await engine.run_cycle()
    assert result.ok, result.error
    state = store_state(db)
    assert state["active"] == sorted(str(t["id"]) for t in scenario.open_tickets())
    with db.session() as s:
        kept = s.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.external_id.in_(
            [str(t["id"]) for t in leaving])))  # fmt: skip
    assert kept == 45, "tickets that leave the open set are kept, never deleted"
    # The next cycle looks up the rest, so every closing time is learned.
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok
    with db.session() as s:
        ids = [str(t["id"]) for t in leaving[:44]]
        closed_known = s.scalar(
            select(func.count())
            .select_from(TicketRow)
            .where(TicketRow.external_id.in_(ids), TicketRow.closed_at.is_not(None))
        )
    assert closed_known == 44
