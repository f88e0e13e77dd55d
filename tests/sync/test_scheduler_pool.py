"""The scheduler never waits for a pooled database connection on the event loop. In `deskpulse serve` the web
requests hold the pool's connections and hand them back through that loop, so such a wait froze the whole
process until the pool gave up, and the pool's error then ended the sync (found by the soak test,
docs/reliability.md#soak-test)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import TimeoutError as PoolTimeout

from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.store.outage import store_outage
from deskpulse.sync.scheduler import Scheduler
from support import Clock, RecordingSleep, config_for, connector_for, simulator, source_config

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


async def test_a_sync_waiting_for_a_connection_lets_the_request_holding_it_finish(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'one.db'}", pool_size=1, max_overflow=0, pool_timeout=10)
    upgrade(db.engine)
    src = source_config(poll_seconds=30)
    conn = connector_for(simulator(TrengoScenario(3, open_tickets=20, history_days=1, now=NOW)), src, RecordingSleep())
    sched = Scheduler(db, config_for(src), {src.name: conn}, owner="test", clock=Clock(NOW))
    held, handed_back = threading.Event(), threading.Event()

    def request_holding_the_only_connection() -> None:
        with db.engine.connect():
            held.set()
            handed_back.wait(15)

    holder = threading.Thread(target=request_holding_the_only_connection)
    holder.start()
    try:
        assert held.wait(5)
        # The request gives its connection back from the event loop, as FastAPI closes a request's session.
        asyncio.get_running_loop().call_later(0.2, handed_back.set)
        result = await sched.run_source(src.name)
    finally:
        handed_back.set()
        holder.join(15)
        db.dispose()
    assert result is not None and result.ok, "the sync must get the connection once the request handed it back"


def test_a_pool_with_no_free_connection_is_a_busy_database_not_a_bug() -> None:
    assert store_outage(PoolTimeout("QueuePool limit of size 5 overflow 10 reached")) == (
        "The database is busy (no free connection)"
    )
