"""Fault drill: PostgreSQL stops in the middle of a sync, stays away a while, and starts again.

The drill runs its own PostgreSQL cluster (it never touches the shared server) under real processes: a slow
Trengo simulator and `deskpulse worker` with `deskpulse serve --web-only`, or `deskpulse serve` syncing in the
background. While the database is away no process dies, the API answers 503 with a sentence (not a 500) and the
cycle under way fails, writing nothing. Once the database is back, the source's log says why that cycle failed,
the next cycle brings every ticket in, each once, and the only history points are those of good cycles.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from deskpulse.store.tables import SnapshotRow, SourceRow, TicketRow
from deskpulse.store.uptime_tables import SourceLogRow
from drill_support import PrivatePostgres, free_port
from topology_support import DESKPULSE, SlowDesk
from topology_support import wait_until as wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.topology]

OPEN_TICKETS = 400
LATENCY = 0.2  # per simulator response: the first cycle (the open set, ~20 pages) takes several seconds
LEASE_SECONDS = 10


class RestartDesk(SlowDesk):
    """The slow desk of this drill (no Redis: the database is what it takes away)."""

    open_tickets = OPEN_TICKETS
    latency = LATENCY
    seed = 13
    poll_seconds = 5
    lease_seconds = LEASE_SECONDS

    def source(self) -> SourceRow | None:
        """The source's row (detached), or None while the store is still being set up or is away."""
        try:
            return self.source_row(self.sources[0])
        except (AssertionError, ProgrammingError, OperationalError):
            return None

    def last_ok(self) -> datetime | None:
        row = self.source()
        return row.last_ok_at if row is not None else None

    def log_lines(self) -> list[SourceLogRow]:
        """The source's log, oldest first."""
        with self.db.session() as session:
            return list(session.scalars(select(SourceLogRow).order_by(SourceLogRow.id)))


def pg_pass_or_skip() -> None:
    # The drill brings its own PostgreSQL; it runs once, in the PostgreSQL pass, next to the other process drills.
    if not os.environ.get("DESKPULSE_TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the PostgreSQL restart drill runs in the PostgreSQL pass (set DESKPULSE_TEST_DATABASE_URL)")


def create_database(pg: PrivatePostgres, name: str) -> str:
    admin = create_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg.url(name)


@pytest.mark.parametrize("how", ["worker", "serve"])
def test_the_database_restarting_mid_sync_fails_that_cycle_with_a_sentence_and_loses_nothing(
    how: str, tmp_path: Path
) -> None:
    pg_pass_or_skip()
    with PrivatePostgres(free_port()) as pg:
        dep = RestartDesk(tmp_path, create_database(pg, "deskpulse_drill"))
        try:
            sim = dep.start_simulator()
            dep.wait_http(f"{dep.sim_url}/_sim/state", sim)
            key = dep.api_key(dep.create_api_key())  # migrates the store too
            if how == "worker":  # the web process first: its first cycle must still be under way below
                web, url = dep.start_web("web")
                dep.wait_http(f"{url}/healthz", web, timeout=180)
                syncer = dep.start_worker("worker")
            else:
                port = free_port()
                args = [DESKPULSE, "serve", "--port", str(port), "--config", str(dep.config_path)]
                syncer = web = dep.spawn("serve", args)
                url = f"http://127.0.0.1:{port}"
                dep.wait_http(f"{url}/healthz", web, timeout=180)
            name = dep.sources[0]

            def mid_cycle() -> bool:
                assert syncer.process.poll() is None, f"{syncer.name} exited early:\n{syncer.log()[-3000:]}"
                row = dep.source()
                return row is not None and row.lease_owner is not None and row.last_ok_at is None

            wait_for("the first cycle under way", mid_cycle, timeout=90, every=0.05)
            pg.stop("fast")
            dep.db.dispose()

            # The cycle ends without its database: the process says why and carries on.
            wait_for("the cycle failing", lambda: f"sync of {name} failed: The database cannot be reached"
                     in syncer.log(), timeout=60)  # fmt: skip
            headers = {"X-API-Key": key}
            for path in ("/health", "/api/dashboard"):
                answer = httpx2.get(f"{url}{path}", headers=headers, timeout=10)
                assert answer.status_code == 503, (path, answer.status_code, answer.text)
                assert "The database cannot be reached" in answer.text and "Try again in a moment." in answer.text
                assert answer.headers["Retry-After"] == "5"
            assert httpx2.get(f"{url}/healthz", timeout=5).status_code == 200  # the process itself answers

            pg.start()
            done = wait_for("a good cycle after the restart", dep.last_ok, timeout=120)
            for child in (syncer, web, sim):
                assert child.process.poll() is None, f"{child.name} died:\n{child.log()[-3000:]}"
            health = httpx2.get(f"{url}/health", headers=headers, timeout=10)
            assert health.status_code == 200, health.text
            assert syncer.stop() == 0  # a clean exit; and no cycle writes while the store is read below

            lines = dep.log_lines()
            failed = [line for line in lines if line.level == "error"]
            assert failed, "the failed cycle must be in the source's log"
            assert "The database cannot be reached" in failed[0].message
            assert "nothing was written, the next cycle tries again." in failed[0].message
            synced = [line for line in lines if line.level == "info" and line.message.startswith("synced")]
            assert synced and synced[0].id > failed[0].id

            with dep.db.session() as session:
                tickets, distinct = session.execute(
                    select(func.count(TicketRow.id), func.count(func.distinct(TicketRow.external_id)))
                ).one()
                active = session.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.is_active))
                points = session.scalars(select(SnapshotRow.at).where(SnapshotRow.client_id.is_(None))).all()
            open_now = httpx2.get(f"{dep.sim_url}/_sim/state", timeout=5).json()["open_tickets"]
            assert tickets == distinct  # every ticket once
            assert active == open_now == OPEN_TICKETS  # none lost
            # One history point per good cycle, none for the cycle the restart broke.
            assert sorted(points) == sorted(line.at for line in synced)
            assert failed[0].at not in points
            assert done in points
        finally:
            dep.stop_all()
