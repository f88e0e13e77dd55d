"""Cadence within the vendor budget, and leases so two processes never poll one source at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source, release_lease, try_lease
from deskpulse.store.tables import SourceRow
from deskpulse.sync.scheduler import Scheduler, plan_cadence
from support import Clock, RecordingSleep, config_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_a_small_desk_is_polled_at_the_configured_interval() -> None:
    cadence = plan_cadence(source_config(poll_seconds=60), requests_last_cycle=20, budget_per_minute=96)
    assert cadence.seconds == 60 and cadence.note is None


def test_a_big_open_set_stretches_the_interval_to_fit_the_budget_and_says_so() -> None:
    # 100k open tickets = 4,000 pages: at 96 requests/minute a cycle cannot run every minute.
    cadence = plan_cadence(source_config(poll_seconds=60), requests_last_cycle=4000, budget_per_minute=96)
    assert cadence.seconds >= 4000 / 96 * 60
    assert cadence.note is not None and "4000 requests" in cadence.note


def test_a_held_lease_keeps_a_second_worker_out_until_it_expires(db: Database) -> None:
    with db.session() as s:
        sid = ensure_source(s, source_config()).id
    with db.session() as s:
        assert try_lease(s, sid, "worker-a", now=NOW, until=NOW + timedelta(minutes=5))
    with db.session() as s:
        assert not try_lease(s, sid, "worker-b", now=NOW + timedelta(minutes=1), until=NOW + timedelta(minutes=6))
    with db.session() as s:  # worker-a died; its lease runs out
        assert try_lease(s, sid, "worker-b", now=NOW + timedelta(minutes=6), until=NOW + timedelta(minutes=11))
    with db.session() as s:
        release_lease(s, sid, "worker-a")  # a late release by the old owner changes nothing
        row = s.get(SourceRow, sid)
        assert row is not None and row.lease_owner == "worker-b"


async def test_the_scheduler_records_the_next_run_and_the_budget_on_the_source(db: Database) -> None:
    scenario = TrengoScenario(12, open_tickets=120, history_days=2, now=NOW)
    src = source_config(poll_seconds=30)
    sched = Scheduler(
        db, config_for(src), {src.name: connector_for(simulator(scenario), src, RecordingSleep())},
        owner="test", clock=Clock(NOW),
    )  # fmt: skip
    results = await sched.run_once()
    assert [r.ok for r in results] == [True]
    with db.session() as s:
        row = s.get(SourceRow, sched.engines[src.name].source_id)
        assert row is not None
        assert row.next_run_at == NOW + timedelta(seconds=30)
        assert row.budget_limit == 120 and row.budget_remaining is not None
        assert row.lease_owner is None


async def test_two_processes_poll_a_source_once_per_interval_not_once_each(db: Database) -> None:
    scenario = TrengoScenario(15, open_tickets=30, history_days=1, now=NOW)
    src = source_config(poll_seconds=60)
    app = simulator(scenario)
    clock = Clock(NOW)

    def scheduler(owner: str) -> Scheduler:
        conn = connector_for(app, src, RecordingSleep())
        return Scheduler(db, config_for(src), {src.name: conn}, owner=owner, clock=clock)

    a, b = scheduler("a"), scheduler("b")
    assert await a.run_source(src.name) is not None
    clock.tick(seconds=10)
    assert await b.run_source(src.name) is None, "b must not repeat a cycle a just ran"
    clock.tick(seconds=55)
    assert await b.run_source(src.name) is not None, "once due, whichever process is free runs it"
