"""Stopping a syncing process: the lease length, a cycle allowed to commit, a cycle cut off, a commit seen through."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from deskpulse.config import Config
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow, TicketRow
from deskpulse.sync.engine import _to_the_end
from deskpulse.sync.scheduler import Scheduler, lease_length, run_until_stopped
from deskpulse.sync.upsert import UpsertStats
from support import RecordingSleep, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def test_the_lease_lasts_five_polls_or_lease_seconds_whichever_is_longer() -> None:
    quick, slow = source_config(poll_seconds=5), source_config(poll_seconds=120)
    assert lease_length(quick, Config()) == timedelta(seconds=300), "the default minimum"
    assert lease_length(slow, Config()) == timedelta(seconds=600)
    assert lease_length(quick, Config(lease_seconds=10)) == timedelta(seconds=25)


def scheduler_with_slow_vendor(db: Database) -> Scheduler:
    """A scheduler whose vendor answers every request after 50 ms (real time: the cycle must be in flight)."""
    src = source_config(poll_seconds=60)
    app = simulator(TrengoScenario(21, open_tickets=40, history_days=0, now=NOW), latency_seconds=0.05)
    conn = connector_for(app, src, RecordingSleep())
    return Scheduler(db, Config(database_url="sqlite://", sources=[src]), {src.name: conn}, owner="stopping")


async def stop_once_leased(db: Database, stop: asyncio.Event) -> None:
    """Set ``stop`` as soon as the cycle holds its lease (it is then fetching from the slow vendor)."""
    for _ in range(500):
        with db.session() as session:
            row = session.query(SourceRow).one_or_none()
            if row is not None and row.lease_owner == "stopping":
                stop.set()
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the cycle never took its lease")


async def test_a_stopping_worker_lets_its_running_cycle_commit_and_releases_the_lease(db: Database) -> None:
    sched, stop = scheduler_with_slow_vendor(db), asyncio.Event()
    await asyncio.gather(run_until_stopped(sched, stop, grace=30), stop_once_leased(db, stop))
    await sched.aclose()
    with db.session() as session:
        row = session.query(SourceRow).one()
        assert row.last_ok_at is not None, "the cycle in flight was committed"
        assert row.lease_owner is None
        assert session.query(TicketRow).count() == 40


async def test_a_cycle_still_fetching_when_the_grace_runs_out_writes_nothing_and_releases_the_lease(
    db: Database,
) -> None:
    sched, stop = scheduler_with_slow_vendor(db), asyncio.Event()
    await asyncio.gather(run_until_stopped(sched, stop, grace=0), stop_once_leased(db, stop))
    await sched.aclose()
    with db.session() as session:
        row = session.query(SourceRow).one()
        assert row.last_ok_at is None and row.lease_owner is None
        assert session.query(TicketRow).count() == 0


async def test_a_commit_under_way_is_seen_through_before_a_cancellation_is_passed_on() -> None:
    writing, may_finish = threading.Event(), threading.Event()

    def commit() -> UpsertStats:
        writing.set()
        may_finish.wait(5)
        return UpsertStats()

    task = asyncio.ensure_future(_to_the_end(asyncio.to_thread(commit)))
    await asyncio.to_thread(writing.wait, 5)
    task.cancel()
    await asyncio.sleep(0.05)
    assert not task.done(), "the cancelled caller still waits for the write"
    may_finish.set()
    with pytest.raises(asyncio.CancelledError):
        await task
