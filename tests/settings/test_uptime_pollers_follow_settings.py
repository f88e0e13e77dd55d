"""The LibreNMS pollers re-read the effective source list each loop, like the ticket scheduler: a LibreNMS source
saved in the browser is polled without a restart, a changed one restarts with its new token, a removed one stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import httpx2

from deskpulse.config import Config
from deskpulse.connectors.base import RequestBudget
from deskpulse.secret_box import SecretBox
from deskpulse.settings_store import SettingsOverlay, remove_source, save_source
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from deskpulse.sync.uptime_poll import start_pollers, stop_pollers
from librenms_support import BASE, TOKEN, ZONE, FakeTime, scenario, simulator

BOX = SecretBox("s" * 40)
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _save(db: Database, token: str = TOKEN) -> None:
    with db.session() as session:
        save_source(session, BOX, name="nms", kind="librenms", file_names=set(), actor=None, now=NOW,
                    values={"base_url": BASE, "token": token, "server_timezone": ZONE})  # fmt: skip


def _source(db: Database) -> SourceRow | None:
    with db.session() as session:
        return session.query(SourceRow).filter_by(name="nms").one_or_none()


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(300):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


def test_a_librenms_source_saved_in_the_browser_is_polled_without_a_restart_and_stops_when_removed(
    db: Database,
) -> None:
    scn = scenario(cpes=12, access=2, distribution=2, history_days=5)
    app = simulator(scn)
    time = FakeTime()
    kwargs = {"transport": httpx2.ASGITransport(app=app), "sleep": time.sleep, "clock": lambda: scn.now,
              "budget": RequestBudget(100_000, clock=time)}  # fmt: skip
    file_config = Config(database_url="sqlite://")
    overlay = SettingsOverlay(file_config, db, BOX)

    async def scenario_run() -> None:
        stop = asyncio.Event()
        running = start_pollers(db, overlay.current(), stop, connector_kwargs={"nms": kwargs},
                                refresh=overlay.current)  # fmt: skip
        await asyncio.sleep(0.3)  # the loop runs, with nothing to poll yet
        assert running is not None and running.pollers.pollers == []
        _save(db)

        def polled() -> bool:
            row = _source(db)
            return row is not None and row.last_ok_at is not None

        await _until(polled, "the LibreNMS source saved in the browser was never polled")
        assert [p.source.token for p in running.pollers.pollers] == [TOKEN]

        _save(db, token="a-new-token")
        await running.pollers.follow_settings()
        assert [p.source.token for p in running.pollers.pollers] == ["a-new-token"]  # restarted with its new token

        with db.session() as session:
            remove_source(session, "nms", delete_tickets=False, actor=None, now=NOW)
        await running.pollers.follow_settings()
        assert running.pollers.pollers == []
        stop.set()
        await stop_pollers(running)

    asyncio.run(scenario_run())


def test_without_settings_to_follow_and_without_librenms_sources_no_poller_runs(db: Database) -> None:
    async def scenario_run() -> None:
        assert start_pollers(db, Config(database_url="sqlite://"), asyncio.Event()) is None

    asyncio.run(scenario_run())
