"""Shared pieces of the Freshservice benchmarks: the simulator in this process, a virtual clock, a counting
transport, and stores filled by the real ``SyncEngine`` with the real connector.

Unlike the Trengo benchmarks (simulator in a child process), the Freshservice simulator runs in-process
behind ``httpx2.ASGITransport``. Its figures are call counts and in-process latencies, and one virtual clock can
then drive the simulator's per-minute window, the connector's pacing and the engine's clock, so a run under
the Starter plan's limits takes seconds of wall time instead of hours.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from starlette.applications import Starlette

from common import BENCH_RATE_LIMIT, Workspace
from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.connectors.freshservice.budget import LIST_PEOPLE, LIST_TICKETS, VIEW_TICKET
from deskpulse.connectors.freshservice.settings import PLAN_LIMITS
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from deskpulse.sync.engine import CycleResult, SyncEngine
from deskpulse.web.app import prepare_store

FS_BASE_URL = "http://freshservice.bench/api/v2"
FS_API_KEY = "sim-fs-key"  # the simulator's own default key
FS_SOURCE = "freshservice-bench"
# A desk of this size has more than the scenario's default 15 agents and 6 groups.
AGENTS, GROUPS = 60, 10

_OPENERS = (
    "Since this morning {subject}.",
    "We noticed that {subject} for several people on our team.",
    "Following up on a call with the service desk: {subject}.",
    "Reporting on behalf of my manager: {subject}.",
)
_DETAILS = (
    "I already restarted the laptop twice and signed out and back in, but nothing changed.",
    "The error message says the request could not be completed and to contact the administrator.",
    "It worked fine last week; the only change I know of is the update that was installed on Monday.",
    "Two colleagues in the same office see the same thing, people working from home do not.",
    "I attached a screenshot of the settings page and the exact time it last happened.",
    "This blocks the month-end reporting, so a workaround for today would already help a lot.",
    "Our location is the second floor, room 2.14, and I am available until five o'clock.",
    "I tried the steps from the knowledge base article, but the option it mentions is greyed out.",
    "When I use the web version instead of the desktop app the problem does not occur.",
    "Could you also check whether my access to the shared drive is still correct?",
)
_CLOSINGS = ("Thanks in advance.", "Kind regards,", "Thank you for looking into this.", "Best,")


class VirtualClock:
    """Simulated time for the simulator's rate-limit window, the connector's pacing and the engine's clock.

    ``sleep`` returns at once and moves the clock on, so pacing costs no wall time but still counts.
    """

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.elapsed = 0.0

    def monotonic(self) -> float:
        return self.elapsed

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.elapsed += max(0.0, seconds)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)


def fresh_window_clock() -> Callable[[], float]:
    """A clock for the simulator under which every call opens a new minute window, so its limits never bite."""
    ticks = itertools.count()
    return lambda: next(ticks) * 61.0


@dataclass(slots=True)
class Call:
    """One HTTP call to the simulator as the transport saw it."""

    method: str
    path: str
    include: str | None
    status: int
    credits: int  # X-RateLimit-Used-CurrentRequest: what the simulator charged (0 when rejected)
    remaining: int | None  # X-RateLimit-Remaining after the call


class CountingTransport(httpx2.AsyncBaseTransport):
    """``ASGITransport`` to the simulator that records every call with its status and rate-limit headers."""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.calls: list[Call] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        remaining = response.headers.get("x-ratelimit-remaining")
        self.calls.append(
            Call(
                request.method,
                request.url.path,
                request.url.params.get("include"),
                response.status_code,
                int(response.headers.get("x-ratelimit-used-currentrequest", "0")),
                int(remaining) if remaining is not None else None,
            )
        )
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def operation(path: str) -> str | None:
    """The plan sub-limit a GET of ``path`` counts against (None: only the total)."""
    rest = path.split("/api/v2/", 1)[-1].strip("/")
    if rest in ("tickets", "tickets/filter"):
        return LIST_TICKETS
    if rest.startswith("tickets/") and rest.count("/") == 1:
        return VIEW_TICKET
    if rest in ("agents", "requesters"):
        return LIST_PEOPLE
    return None


def credits_by_limit(calls: list[Call]) -> dict[str, int]:
    """Credits the simulator charged, in total and per plan sub-limit (include credits count in both)."""
    used: Counter[str] = Counter()
    for call in calls:
        used["total"] += call.credits
        op = operation(call.path)
        if op is not None:
            used[op] += call.credits
    return dict(used)


def plan_minutes(calls: list[Call], plan: str = "starter") -> float:
    """Minutes ``calls`` need at least under ``plan``'s full per-minute limits: the tightest of total and sub-limits.

    Computed, not measured. Include credits are counted against the sub-limits too, as the connector's
    PlanBudget and the simulator do (whether Freshservice does is not documented).
    """
    limits = PLAN_LIMITS[plan]
    used = credits_by_limit(calls)
    per_limit = {
        "total": limits.total,
        LIST_TICKETS: limits.list_tickets,
        VIEW_TICKET: limits.view_ticket,
        LIST_PEOPLE: limits.list_people,
    }
    return max(used.get(name, 0) / limit for name, limit in per_limit.items())


def describe(ticket: dict[str, Any]) -> str:
    """A plain-text description of a few hundred characters, seeded by the ticket id."""
    rng = random.Random(ticket["id"])
    target = rng.randint(200, 600)
    parts = [rng.choice(_OPENERS).format(subject=ticket["subject"].lower())]
    for detail in rng.sample(_DETAILS, len(_DETAILS)):
        if sum(len(p) + 1 for p in parts) >= target:
            break
        parts.append(detail)
    parts.append(rng.choice(_CLOSINGS))
    return " ".join(parts)


def bench_scenario(active_tickets: int, *, now: datetime, seed: int = 1) -> FreshserviceScenario:
    """``FreshserviceScenario.bulk`` with ``AGENTS`` agents, ``GROUPS`` groups and realistic descriptions."""
    scenario = FreshserviceScenario.bulk(active_tickets, seed=seed, agents=AGENTS, groups=GROUPS, now=now)
    for ticket in scenario.tickets.values():
        text = describe(ticket)
        ticket["description_text"] = text
        ticket["description"] = f"<div>{text}</div>"
    scenario.touch()  # the scenario caches list results per mutation version
    return scenario


def set_scenario_time(scenario: FreshserviceScenario, when: datetime) -> None:
    """Move the simulator's clock without the random events ``advance`` would also draw.

    The scenario has no public setter for this; tests/sync/test_freshservice_cycle.py sets it the same way.
    """
    scenario._now = int(when.timestamp())


def source_settings(**overrides: Any) -> FreshserviceSettings:
    """A Freshservice source pointing at the in-process simulator (Starter plan unless overridden)."""
    values: dict[str, Any] = {"name": FS_SOURCE, "base_url": FS_BASE_URL, "api_key": FS_API_KEY}
    values.update(overrides)
    return FreshserviceSettings(**values)


def unthrottled_settings(**overrides: Any) -> FreshserviceSettings:
    """A source whose client-side budget never waits (for filling stores, not for counting costs)."""
    values: dict[str, Any] = {
        "requests_per_minute": BENCH_RATE_LIMIT,
        "list_requests_per_minute": BENCH_RATE_LIMIT,
        "budget_share": 1,
        "timeout_seconds": 120,
    }
    return source_settings(**{**values, **overrides})


def connector_for(
    settings: FreshserviceSettings, transport: httpx2.AsyncBaseTransport, clock: VirtualClock | None = None
) -> FreshserviceConnector:
    """The real connector over ``transport``; with ``clock``, its pacing and dates follow the virtual clock."""
    if clock is None:
        return FreshserviceConnector(settings, transport=transport)
    return FreshserviceConnector(
        settings, transport=transport, sleep=clock.sleep, now=clock.now, monotonic=clock.monotonic
    )


def source_warnings(db: Database, source_id: int) -> list[str]:
    """The warnings the last cycle recorded on the source's status (the engine takes them from the connector)."""
    with db.session() as session:
        row = session.get(SourceRow, source_id)
        text = getattr(row, "warnings", None)
    return text.splitlines() if text else []


@dataclass(slots=True)
class FreshserviceStore:
    """A SQLite store filled from an in-process simulator by two real sync cycles."""

    db_path: Path
    config: Config
    scenario: FreshserviceScenario
    app: Starlette
    active_tickets: int
    seconds: float
    cycles: list[CycleResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.db_path}"


async def fill_store(ws: Workspace, active_tickets: int, clients: list[ClientConfig]) -> FreshserviceStore:
    """A store holding ``bench_scenario(active_tickets)``, filled the way a new source fills it.

    Cycle 1 reads the active set through ``/tickets/filter`` (no stats); cycle 2, a minute later, also runs
    the first changed-ticket sweep (``include=stats``), so first-response times are known, as in production.
    """
    started = time.perf_counter()
    scenario = bench_scenario(active_tickets, now=datetime.now(UTC).replace(microsecond=0))
    app = create_app(scenario, api_key=FS_API_KEY, clock=fresh_window_clock())
    settings = unthrottled_settings()
    db_path = ws.root / f"freshservice-{active_tickets}.db"
    config = Config(database_url=f"sqlite:///{db_path}", sources=[settings], clients=clients)
    db = Database(config.database_url)
    connector = connector_for(settings, httpx2.ASGITransport(app=app))
    cycles: list[CycleResult] = []
    warnings: list[str] = []
    try:
        prepare_store(db, config)
        clock = VirtualClock(scenario.now)
        engine = SyncEngine(db, config, settings, connector, clock=clock.now)
        for _ in range(2):
            result = await engine.run_cycle()
            if not result.ok:
                raise RuntimeError(f"filling the Freshservice store failed: {result.error}")
            cycles.append(result)
            warnings += source_warnings(db, engine.source_id)
            clock.advance(60)
    finally:
        await connector.aclose()
        db.dispose()
    return FreshserviceStore(
        db_path, config, scenario, app, active_tickets, time.perf_counter() - started, cycles, warnings
    )
