"""The scheduler re-reads the effective source list each loop: a source saved in the browser starts syncing, a
changed one restarts with its new settings and a disabled one stops, all without a restart."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from deskpulse.config import TicketSource
from deskpulse.connectors.protocol import Connector
from deskpulse.secret_box import SecretBox
from deskpulse.settings_store import SettingsOverlay, save_source, set_enabled
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from deskpulse.sync.scheduler import Scheduler
from support import SIM_BASE, SIM_TOKEN, config_for, connector_for, simulator

BOX = SecretBox("s" * 40)
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _save(db: Database, poll_seconds: str = "60") -> None:
    with db.session() as session:
        save_source(session, BOX, name="desk", kind="trengo", file_names=set(), actor=None, now=NOW,
                    values={"base_url": SIM_BASE, "token": SIM_TOKEN, "poll_seconds": poll_seconds})  # fmt: skip


def test_a_source_saved_in_the_browser_is_synced_without_a_restart(db: Database) -> None:
    app = simulator(TrengoScenario(seed=4, open_tickets=12))
    built: list[TicketSource] = []

    def factory(source: TicketSource) -> Connector:
        built.append(source)
        return connector_for(app, source)  # type: ignore[arg-type]

    overlay = SettingsOverlay(config_for(), db, BOX)

    async def scenario() -> None:
        scheduler = Scheduler(db, overlay.current(), {}, refresh=overlay.current, connector_factory=factory)
        stop = asyncio.Event()
        loop = asyncio.create_task(scheduler.run_forever(stop))
        await asyncio.sleep(0.3)
        assert scheduler.engines == {}
        _save(db)
        for _ in range(200):
            await asyncio.sleep(0.05)
            with db.session() as session:
                row = session.query(SourceRow).filter_by(name="desk").one_or_none()
                if row is not None and row.last_ok_at is not None:
                    break
        assert row is not None and row.last_ok_at is not None, "the new source was never synced"
        assert scheduler.fetched["desk"] >= 12  # the first-sync page reads this while the cycle runs
        _save(db, poll_seconds="30")
        await scheduler.follow_settings()
        assert [s.poll_seconds for s in built] == [60, 30]  # restarted with the changed settings
        with db.session() as session:
            set_enabled(session, "desk", False, actor=None, now=NOW)
        await scheduler.follow_settings()
        assert scheduler.engines == {}
        stop.set()
        await loop
        await scheduler.aclose()

    asyncio.run(scenario())


def test_a_source_that_cannot_be_started_leaves_the_others_running_and_is_tried_again(db: Database) -> None:
    app = simulator(TrengoScenario(seed=4, open_tickets=3))
    attempts: list[str] = []

    def factory(source: TicketSource) -> Connector:
        attempts.append(source.name)
        if len(attempts) == 1:
            raise RuntimeError("transport not ready")
        return connector_for(app, source)  # type: ignore[arg-type]

    _save(db)
    overlay = SettingsOverlay(config_for(), db, BOX)

    async def scenario() -> None:
        scheduler = Scheduler(db, config_for(), {}, refresh=overlay.current, connector_factory=factory)
        await scheduler.follow_settings()
        assert scheduler.engines == {}
        await scheduler.follow_settings()
        assert list(scheduler.engines) == ["desk"] and attempts == ["desk", "desk"]
        await scheduler.aclose()

    asyncio.run(scenario())
