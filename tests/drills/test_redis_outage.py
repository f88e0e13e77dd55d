"""Fault drill: Redis disappears under a web process whose sync runs elsewhere, then comes back empty.

While Redis is away the page keeps getting live updates (the web process follows the store); once Redis is back,
updates come through Redis again, exactly once, with ids above every id the page has seen even though the
restarted Redis lost its counter.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from deskpulse.config import Config
from deskpulse.live.redis_bus import RedisBus
from deskpulse.live.service import LiveService
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from drill_support import PrivateRedis, free_port, wait_until
from sse_support import SseReader
from support import LiveServer, api_key_for, connector_for, simulator, source_config


class Worker:
    """What `deskpulse worker` does per cycle: sync the source, then publish what changed to Redis."""

    def __init__(self, db: Database, cfg: Config, scenario: TrengoScenario) -> None:
        self.cfg = cfg
        self.scenario = scenario
        self.engine = SyncEngine(db, cfg, cfg.sources[0], connector_for(simulator(scenario), cfg.sources[0]))

    def cycle(self) -> None:
        async def run() -> None:
            result = await self.engine.run_cycle()
            assert result.ok, result.error
            bus = RedisBus(self.cfg.redis_url)
            try:
                await LiveService(bus=bus).cycle_finished(result)  # logs, never raises, while Redis is away
            finally:
                await bus.aclose()

        asyncio.run(run())

    def new_ticket(self) -> None:
        self.scenario.add_ticket(created_at=self.scenario.now - timedelta(minutes=1), subject="printer on fire")


def test_live_updates_follow_the_store_while_redis_is_away_and_come_through_redis_again(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with PrivateRedis(free_port()) as redis:
        cfg = Config(database_url="sqlite://", sources=[source_config("desk")], redis_url=redis.url)
        app = create_app(cfg, db=db)
        app.state.live_heartbeat_seconds = 0.2
        with LiveServer(app) as server:
            state = app.state
            wait_until(lambda: state.live_fallback.redis_up, 10, "the web process subscribing to Redis")
            worker = Worker(db, cfg, TrengoScenario(seed=3, open_tickets=12, history_days=0))
            key = api_key_for(db, "manager")
            with SseReader(f"{server.url}/api/stream?topics=tickets", {"X-API-Key": key}) as page:
                worker.cycle()
                through_redis = page.next_of("tickets", timeout=10)
                assert through_redis.data["changed"] == 12

                redis.kill()
                wait_until(lambda: not state.live_fallback.redis_up, 15, "the web process noticing Redis is gone")
                worker.new_ticket()
                worker.cycle()  # its event cannot reach Redis: the web process finds the change in the store
                # (the first sync may be told again right after the switch: a page takes that as one more refresh)
                through_store = page.next_of("tickets", timeout=10)
                if through_store.data["changed"] == 12:
                    through_store = page.next_of("tickets", timeout=10)
                assert through_store.data["changed"] == 1
                assert int(through_store.id or 0) > int(through_redis.id or 0)
                assert "Redis unavailable" in caplog.text

                redis.start()  # the same port, an empty Redis: its event counter starts again from nothing
                wait_until(lambda: state.live_fallback.redis_up, 15, "the web process subscribing again")
                worker.new_ticket()
                worker.cycle()
                back = page.next_of("tickets", timeout=10)
                assert back.data["changed"] == 1
                assert int(back.id or 0) > int(through_store.id or 0)
                with pytest.raises(AssertionError):
                    page.next_of("tickets", timeout=2.5)  # once: the store watch stands by again
