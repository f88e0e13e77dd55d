"""Helpers for LibreNMS tests: a scenario at a fixed time, the simulator app, a connector wired to it in-process."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2

from deskpulse.connectors.base import RequestBudget
from deskpulse.connectors.librenms import LibreNmsConnector, LibreNmsSettings
from deskpulse.simulators.librenms import create_app
from deskpulse.simulators.librenms_scenario import LibreNmsScenario

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday; Amsterdam is UTC+1 in November
BASE = "http://sim.test/api/v0"
TOKEN = "sim-token"
ZONE = "Europe/Amsterdam"


def scenario(**kwargs: Any) -> LibreNmsScenario:
    """The default seeded network at NOW, naive times in Amsterdam unless told otherwise."""
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("server_timezone", ZONE)
    return LibreNmsScenario(kwargs.pop("seed", 1), **kwargs)


def settings(**overrides: Any) -> LibreNmsSettings:
    """A source pointed at the in-process simulator."""
    values: dict[str, Any] = {"name": "nms", "base_url": BASE, "token": TOKEN, "server_timezone": ZONE}
    values.update(overrides)
    return LibreNmsSettings(**values)


@dataclass
class FakeTime:
    """A monotonic clock and a sleep that moves it (so budget waits end), recording every wait."""

    now: float = 1_000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def connect(app: Any, cfg: LibreNmsSettings | None = None, *, time: FakeTime | None = None, **kwargs: Any) -> Any:
    """A real LibreNmsConnector whose HTTP goes in-process to ``app``; its clock follows the scenario and its
    budget waits pass on ``time`` (instantly)."""
    scn: LibreNmsScenario = app.state.scenario
    cfg = cfg or settings()
    time = time or FakeTime()
    kwargs.setdefault("clock", lambda: scn.now)
    kwargs.setdefault("budget", RequestBudget(cfg.requests_per_minute, clock=time))
    return LibreNmsConnector(cfg, transport=httpx2.ASGITransport(app=app), sleep=time.sleep, **kwargs)


def simulator(scn: LibreNmsScenario | None = None, **kwargs: Any) -> Any:
    """The simulator app for ``scn`` (the default scenario when None)."""
    return create_app(scn or scenario(), token=TOKEN, **kwargs)


def paths(app: Any, since: int = 0) -> list[str]:
    """Request paths (with query) the simulator saw, from index ``since``."""
    return [f"{path}?{query}" if query else path for _, path, query in app.state.request_log[since:]]
