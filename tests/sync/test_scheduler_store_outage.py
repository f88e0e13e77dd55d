"""The store going away in the middle of a cycle does not end the sync loop: the cycle fails with a sentence and
writes nothing, the scheduler waits for the store, and once it is back the source's log says why that cycle
failed before the next one brings the tickets in. (The PostgreSQL restart drill does it with a real server.)"""

from __future__ import annotations

from sqlalchemy import func, select

from deskpulse.connectors.protocol import Progress
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.source_log import lines
from deskpulse.store.tables import SnapshotRow, SourceRow, TicketRow
from deskpulse.sync.scheduler import Scheduler
from drill_support import free_port
from support import config_for, connector_for, simulator, source_config


async def test_a_cycle_that_loses_its_store_is_logged_once_the_store_is_back(db: Database) -> None:
    cfg = config_for(source_config("desk"))
    connector = connector_for(simulator(TrengoScenario(seed=3, open_tickets=12, history_days=0)), cfg.sources[0])
    scheduler = Scheduler(db, cfg, {"desk": connector})
    engine = scheduler.engines["desk"]
    # A PostgreSQL address nobody answers on stands for the store while it restarts.
    gone = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/deskpulse")
    fetch = engine._fetch

    async def fetch_then_lose_the_store(state: SourceRow, now: object, progress: Progress | None) -> object:
        fetched = await fetch(state, now, progress)  # type: ignore[arg-type]
        engine.db = scheduler.db = gone
        return fetched

    engine._fetch = fetch_then_lose_the_store  # type: ignore[assignment,method-assign]
    try:
        failed = await scheduler.run_source("desk")
        assert failed is not None and not failed.ok and not failed.recorded
        assert failed.error is not None and failed.error.startswith("The database cannot be reached (connection failed")
        assert failed.error.endswith("; nothing was written, the next cycle tries again.")
        assert await scheduler.run_source("desk", respect_schedule=False) is None  # still away: it waits
    finally:
        engine._fetch = fetch  # type: ignore[method-assign]
        engine.db = scheduler.db = db
        gone.dispose()

    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)) == 0  # nothing half written
    back = await scheduler.run_source("desk", respect_schedule=False)  # our own lease, claimed again
    assert back is not None and back.ok, back
    with db.session() as session:
        source = session.scalars(select(SourceRow)).one()
        said = [(line.level, line.message) for line in reversed(lines(session, source.id))]
        assert session.scalar(select(func.count()).select_from(TicketRow)) == 12
        points = session.scalars(select(SnapshotRow.at).where(SnapshotRow.client_id.is_(None))).all()
    assert [level for level, _ in said] == ["error", "info"]
    assert "The database cannot be reached" in said[0][1] and said[1][1].startswith("synced")
    assert points == [back.started_at]  # no history point for the cycle that failed
    assert source.stale_since is None and source.last_error is None and source.lease_owner is None
