"""GET /api/stream over a real HTTP server: scoping, replay, heartbeats, shutdown, Redis fan-out, store watch."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from deskpulse.config import ClientConfig, Config
from deskpulse.live.events import EVERYONE, LiveEvent
from deskpulse.live.hub import Hub
from deskpulse.live.redis_bus import RedisBus
from deskpulse.live.service import ticket_events
from deskpulse.store.db import Database
from deskpulse.store.tables import ClientRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app
from sse_support import SseReader
from support import LiveServer, api_key_for, connector_for, redis_or_skip, simulator, source_config

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
REDIS_URL = os.environ.get("DESKPULSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLIENTS = [ClientConfig(id="acme", name="Acme", email_domains=["acme.nl"]),
           ClientConfig(id="globex", name="Globex", email_domains=["globex.eu"])]  # fmt: skip


def config(db: Database, **extra: Any) -> Config:
    return Config(database_url="sqlite://", sources=[source_config("desk")], clients=CLIENTS, **extra)


class Served:
    """The app on a real port, with fast heartbeats, and a way to publish into its hub from the test."""

    def __init__(self, db: Database, cfg: Config, **state: Any) -> None:
        self.db = db
        self.app = create_app(cfg, db=db)
        self.app.state.live_heartbeat_seconds = 0.2
        for name, value in state.items():
            setattr(self.app.state, name, value)
        self.server = LiveServer(self.app)

    def __enter__(self) -> Served:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def publish(self, event: LiveEvent) -> None:
        self.app.state.loop.call_soon_threadsafe(self.app.state.hub.publish, event)

    def stream(self, key: str, query: str = "", **headers: str) -> SseReader:
        return SseReader(f"{self.server.url}/api/stream{query}", {"X-API-Key": key, **headers})


def client_ids(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {key: cid for key, cid in session.execute(select(ClientRow.key, ClientRow.id)).all()}


@pytest.fixture
def served(db: Database) -> Iterator[Served]:
    with Served(db, config(db)) as s:
        yield s


def test_each_viewer_gets_only_what_their_scope_allows(served: Served, db: Database) -> None:
    ids = client_ids(db)
    staff_key = api_key_for(db, "manager")
    acme_key = api_key_for(db, "customer", ("acme",))
    with served.stream(staff_key) as staff, served.stream(acme_key) as acme:
        assert staff.response.headers["content-type"].startswith("text/event-stream")
        for event in ticket_events("desk", {ids["acme"]: ["1"], ids["globex"]: ["2"], None: ["3"]}, AT, "sync"):
            served.publish(event)
        served.publish(LiveEvent("sources", "source.synced", EVERYONE, {"source": "desk", "ok": True}, AT))
        got = staff.next_of("tickets")
        assert sorted(got.data["ids"]) == ["1", "2", "3"]
        assert staff.next().event == "metrics"  # type: ignore[union-attr]
        assert staff.next_of("sources").data["source"] == "desk", "no per-client copies in between"
        mine = acme.next_of("tickets")
        assert mine.data["ids"] == ["1"], "a customer never sees another client's tickets"
        assert acme.next().event == "metrics"  # type: ignore[union-attr]
        assert acme.next().event == "sources"  # type: ignore[union-attr]


def test_a_reconnect_replays_what_was_missed_and_topics_filter(served: Served, db: Database) -> None:
    key = api_key_for(db, "manager")
    with served.stream(key, "?topics=sources") as first:
        for n in range(3):
            served.publish(LiveEvent("sources", "source.synced", EVERYONE, {"n": n}, AT))
        seen = first.next_of("sources")
        assert seen.data["n"] == 0 and seen.id is not None
    with served.stream(key, "?topics=sources", **{"Last-Event-ID": seen.id}) as again:
        assert [again.next().data["n"], again.next().data["n"]] == [1, 2]  # type: ignore[union-attr]


def test_an_id_older_than_the_buffer_tells_the_page_to_reload(db: Database) -> None:
    with Served(db, config(db), hub=Hub(replay=2)) as served:
        key = api_key_for(db, "manager")
        for n in range(5):
            served.publish(LiveEvent("sources", "source.synced", EVERYONE, {"n": n}, AT))
        with served.stream(key, **{"Last-Event-ID": "1"}) as reader:
            assert reader.next().event == "reset"  # type: ignore[union-attr]


def test_heartbeats_keep_an_idle_stream_alive_and_shutdown_says_goodbye(served: Served, db: Database) -> None:
    with served.stream(api_key_for(db, "viewer")) as reader:
        loop = served.app.state.loop
        loop.call_soon_threadsafe(loop.call_later, 0.7, served.app.state.hub.close)
        bye = reader.next(timeout=5)
        assert bye is not None and bye.event == "bye"
        assert bye.comments >= 2, "heartbeat comments arrived while nothing happened"
        assert reader.next() is None, "the stream ended"


def test_bad_requests_are_refused(served: Served, db: Database) -> None:
    key = api_key_for(db, "manager")
    with httpx2.Client(base_url=served.server.url, timeout=5) as client:
        assert client.get("/api/stream").status_code == 401
        bad = client.get("/api/stream?topics=tickets,gossip", headers={"X-API-Key": key})
        assert bad.status_code == 400 and "gossip" in bad.json()["detail"]
        worse = client.get("/api/stream", headers={"X-API-Key": key, "Last-Event-ID": "abc"})
        assert worse.status_code == 400


def test_with_redis_every_web_process_delivers_each_event_once(db: Database) -> None:
    redis_or_skip()
    cfg = config(db, redis_url=REDIS_URL)
    with Served(db, cfg) as one, Served(db, cfg) as two:
        for served in (one, two):
            ready = served.app.state.live_ready
            asyncio.run_coroutine_threadsafe(asyncio.wait_for(ready.wait(), 5), served.app.state.loop).result(6)
        key = api_key_for(db, "manager")
        with one.stream(key, "?topics=sources") as a, two.stream(key, "?topics=sources") as b:
            bus = RedisBus(REDIS_URL)

            async def publish() -> LiveEvent:
                try:
                    return await bus.publish(LiveEvent("sources", "source.synced", EVERYONE, {"from": "worker"}, AT))
                finally:
                    await bus.aclose()

            sent = asyncio.run(publish())
            got_a, got_b = a.next_of("sources"), b.next_of("sources")
            assert got_a.id == got_b.id == str(sent.id)
            assert got_a.data["from"] == got_b.data["from"] == "worker"
            for reader in (a, b):
                with pytest.raises(AssertionError):
                    reader.next_of("sources", timeout=0.8)  # exactly once


def test_a_web_only_process_sees_another_processes_sync_through_the_store(db: Database) -> None:
    from deskpulse.simulators.trengo_scenario import TrengoScenario

    cfg = config(db)
    with Served(db, cfg) as served:  # no Redis, no sync in this process: it watches the store
        key = api_key_for(db, "manager")
        with served.stream(key, "?topics=tickets,sources") as reader:
            scenario = TrengoScenario(seed=3, open_tickets=12, history_days=0)
            engine = SyncEngine(db, cfg, cfg.sources[0], connector_for(simulator(scenario), cfg.sources[0]))
            result = asyncio.run(engine.run_cycle())
            assert result.ok, result.error
            synced = reader.next_of("sources", timeout=5)
            changed = reader.next_of("tickets", timeout=5)
    assert synced.data == {"type": "source.synced", "at": synced.data["at"], "source": "desk", "ok": True,
                           "error": None}  # fmt: skip
    assert changed.data["changed"] == 12
