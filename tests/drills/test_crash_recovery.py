"""Fault drill: `kill -9` of the process that syncs, in the middle of a cycle, then a restart.

A cycle fetches everything first and commits it in one transaction, under a lease. Killed mid-cycle, it leaves
no ticket and no history point behind (nothing half written, nothing invented); the process started after it
waits out the dead one's lease and then brings every ticket in, each once. Runs in the PostgreSQL pass, with
real processes (as the topology test does).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import ProgrammingError

from deskpulse.store.tables import SnapshotRow, SourceRow, TicketRow
from topology_support import DESKPULSE, Child, SlowDesk, free_port, fresh_database, services_or_skip
from topology_support import wait_until as wait_for

pytestmark = pytest.mark.topology

OPEN_TICKETS = 400
LATENCY = 0.05  # per simulator response: a first cycle of ~20 pages plus the closed sweep takes a few seconds
POLL_SECONDS = 5
LEASE_SECONDS = 10  # the lease is max(10, 5 × 5) = 25 s: a dead holder blocks the source that long


class CrashDesk(SlowDesk):
    """The slow desk of this drill: a first cycle of ~20 pages plus the closed sweep takes a few seconds."""

    open_tickets = OPEN_TICKETS
    latency = LATENCY
    seed = 11
    poll_seconds = POLL_SECONDS
    lease_seconds = LEASE_SECONDS

    def syncer(self, how: str, name: str) -> Child:
        """The process that syncs: `deskpulse worker`, or `deskpulse serve` (which syncs in the background)."""
        if how == "worker":
            return self.start_worker(name)
        args = [DESKPULSE, "serve", "--port", str(free_port()), "--config", str(self.config_path)]
        return self.spawn(name, args)

    def source(self) -> SourceRow:
        with self.db.session() as session:
            row = session.execute(select(SourceRow).where(SourceRow.name == self.sources[0])).scalar_one_or_none()
            assert row is not None
            session.expunge(row)
            return row

    def counts(self) -> tuple[int, int, int]:
        """(ticket rows, distinct external ids, history points) of the source."""
        with self.db.session() as session:
            tickets, distinct = session.execute(
                select(func.count(TicketRow.id), func.count(func.distinct(TicketRow.external_id)))
            ).one()
            points = session.execute(select(func.count(SnapshotRow.id))).scalar_one()
        return int(tickets), int(distinct), int(points)


@pytest.mark.parametrize("how", ["worker", "serve"])
def test_a_process_killed_mid_sync_leaves_nothing_half_written_and_its_successor_finishes(
    how: str, tmp_path: Path
) -> None:
    server = services_or_skip()
    with fresh_database(server) as url:
        dep = CrashDesk(tmp_path, url)
        try:
            sim = dep.start_simulator()
            dep.wait_http(f"{dep.sim_url}/_sim/state", sim)
            first = dep.syncer(how, "first")

            def mid_cycle() -> bool:
                assert first.process.poll() is None, f"{first.name} exited early:\n{first.log()[-3000:]}"
                try:
                    row = dep.source()
                except (AssertionError, ProgrammingError):  # the store is still being set up
                    return False
                return row.lease_owner is not None and row.last_ok_at is None

            wait_for("the first cycle under way", mid_cycle, timeout=90, every=0.05)
            os.kill(first.pid, signal.SIGKILL)
            first.process.wait(10)

            assert dep.counts() == (0, 0, 0), "a killed cycle must leave no ticket and no history point"
            dead = dep.source()
            assert dead.last_ok_at is None and dead.lease_owner is not None  # the dead holder's lease stands

            dep.syncer(how, "second")
            done = wait_for("the successor's first good cycle", lambda: dep.source().last_ok_at, timeout=120)
            assert dead.lease_expires_at is not None and done >= dead.lease_expires_at  # it waited out the lease
            open_now = httpx2.get(f"{dep.sim_url}/_sim/state", timeout=5).json()["open_tickets"]
            tickets, distinct, points = dep.counts()
            assert tickets == distinct  # every ticket once
            assert distinct >= open_now  # the open ones and the swept closed ones
            assert points >= 1
        finally:
            dep.stop_all()
