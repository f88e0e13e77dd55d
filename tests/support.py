"""Helpers for tests: a connector wired in-process to a simulator, a recording sleep, a settable clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import text

from deskpulse.config import Config, SourceConfig
from deskpulse.connectors.trengo.connector import TrengoConnector
from deskpulse.simulators.trengo import create_app
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.tables import Base

SIM_BASE = "http://sim.test/api/v2"
SIM_TOKEN = "sim-token"


@dataclass
class RecordingSleep:
    """Stands in for asyncio.sleep: records the waits instead of waiting."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Clock:
    """A settable UTC clock for code that takes ``clock=``."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 18, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def tick(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def source_config(name: str = "trengo", **overrides: Any) -> SourceConfig:
    """A Trengo source pointed at the in-process simulator."""
    values: dict[str, Any] = {"name": name, "kind": "trengo", "base_url": SIM_BASE, "token": SIM_TOKEN}
    values.update(overrides)
    return SourceConfig(**values)


def config_for(*sources: SourceConfig, database_url: str = "sqlite://", tz: str = "Europe/Amsterdam") -> Config:
    """A Config holding ``sources``."""
    return Config(timezone=tz, database_url=database_url, sources=list(sources))


def simulator(scenario: TrengoScenario, **kwargs: Any) -> Any:
    """The Trengo simulator app for ``scenario``."""
    return create_app(scenario, token=SIM_TOKEN, **kwargs)


def connector_for(app: Any, cfg: SourceConfig | None = None, sleep: RecordingSleep | None = None) -> TrengoConnector:
    """A real TrengoConnector whose HTTP goes in-process to ``app``."""
    return TrengoConnector(
        cfg or source_config(), transport=httpx2.ASGITransport(app=app), sleep=sleep or RecordingSleep()
    )


class LiveServer:
    """An ASGI app served by uvicorn on a loopback port (a free one unless ``port`` is given) in a background
    thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import socket
        import threading

        import uvicorn

        if port is None:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
        self.port = port
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def api_key_for(db: Any, role: str = "admin", clients: tuple[str, ...] = (), email: str | None = None) -> str:
    """A user with ``role`` (and clients) plus an API key of the same role; returns the key."""
    import uuid

    from deskpulse.auth import apikeys
    from deskpulse.auth.roles import Role
    from deskpulse.auth.users import create_user, principal_for_user, user_client_keys
    from deskpulse.clock import utcnow

    now = utcnow()
    with db.session() as session:
        user = create_user(
            session, email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.test", role=Role(role),
            now=now, clients=clients,
        )  # fmt: skip
        principal = principal_for_user(session, user)
        _, secret = apikeys.create(
            session, creator=principal, name="test", role=Role(role), clients=list(clients) or None, now=now,
            creator_client_keys=user_client_keys(session, user.id),
        )  # fmt: skip
    return secret


def authed(client: Any, key: str) -> Any:
    """``client`` sending ``key`` on every request."""
    client.headers["X-API-Key"] = key
    return client


async def sync_freshservice_twice(db: Any, scenario: Any, settings: Any, now: datetime) -> None:
    """Two successful cycles of a Freshservice source against ``scenario`` at ``now`` (+30 s): the second one
    brings the reply stats that only the changed-ticket listing carries."""
    from deskpulse.connectors.freshservice import FreshserviceConnector
    from deskpulse.simulators.freshservice import create_app as create_fs_app
    from deskpulse.sync.engine import SyncEngine

    connector = FreshserviceConnector(
        settings, transport=httpx2.ASGITransport(app=create_fs_app(scenario, plan="enterprise")),
        sleep=RecordingSleep(), now=lambda: now,
    )  # fmt: skip
    clock = Clock(now)
    engine = SyncEngine(db, config_for(settings), settings, connector, clock=clock)
    first = await engine.run_cycle()
    assert first.ok, first.error
    clock.tick(seconds=30)
    second = await engine.run_cycle()
    assert second.ok, second.error


def redis_or_skip(host: str = "127.0.0.1", port: int = 6379) -> None:
    """Skip when Redis is not running locally; under CI its absence is a failure (CI must provide it)."""
    import os
    import socket

    import pytest

    with socket.socket() as sock:
        sock.settimeout(0.5)
        if sock.connect_ex((host, port)) != 0:
            if os.environ.get("CI"):
                pytest.fail(f"Redis is not running on {host}:{port}; CI must provide it")
            pytest.skip(f"Redis is not running on {host}:{port}")


def empty_store(db: Database) -> None:
    """Delete every row: the ``db`` fixture after each test, and fixtures wider than one test."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
