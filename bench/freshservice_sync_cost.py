"""Figure 6: Freshservice API calls and credits to bring the store up to date, three ways.

5,000 active tickets (500 with ``--quick``) in the Freshservice simulator, in-process, on the Starter plan's
limits (100 credits/min, 40/min for listing tickets, 50/min for viewing one). One virtual clock
(bench/freshservice_setup.py) drives the simulator's minute window, the connector's pacing and the engine's clock,
so the real pacing runs in seconds and a 429 would show up exactly as against the real API.

Setup: a real ``SyncEngine`` with the real connector runs the first two cycles of a new source (active set and
directory, then the active set and the 90-day changed-ticket backfill). Then 1% of the active tickets (50)
change in the simulator (agent and customer replies, reassignments, status and priority changes, resolutions)
and a poll interval passes. From that one state (the store is copied first):

* (a) deskpulse's incremental cycle: the engine's real path between reconciliations, ``GET /tickets`` with
  ``updated_since`` = last cycle minus the 300 s overlap and ``include=stats``;
* (b) a reconciliation cycle on the copy (``reconcile_seconds`` lowered so it is due): the active set again
  through ``/tickets/filter`` (split by creation date past the 10-page cap), the closed sweep that every
  reconciliation runs, and one ``GET /tickets/{id}`` per ticket that left the active set;
* (c) the old watcher, as a small client loop here: list every ticket id (``GET /tickets?updated_since=2010-01-01``,
  100 per page, no include), then ``GET /tickets/{id}?include=stats`` for each active one, waiting out 429s.

Calls are counted on the transport; credits as the connector's PlanBudget counts them (one per call plus one per
``include``), cross-checked with the simulator's ``X-RateLimit-Used-CurrentRequest``. The minutes each needs under
Starter are COMPUTED from the credits and the plan limits (``freshservice_setup.plan_minutes``). Directory and
status-table refreshes run on their own cadence whatever the approach; they are kept out of (a) and (b)
(``directory_refresh_seconds`` and ``status_cache_seconds`` raised) and their cost is reported from cycle 1.
"""

from __future__ import annotations

import asyncio
import base64
import re
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import select

from common import BenchResult, Figure, Workspace
from deskpulse.config import Config
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app
from deskpulse.store.db import Database
from deskpulse.store.tables import TicketRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import prepare_store
from freshservice_setup import (
    FS_API_KEY,
    FS_BASE_URL,
    Call,
    CountingTransport,
    VirtualClock,
    bench_scenario,
    connector_for,
    credits_by_limit,
    plan_minutes,
    set_scenario_time,
    source_settings,
    source_warnings,
)

NAME = "freshservice-sync"
FULL_TICKETS = 5_000
CHANGED_FRACTION = 0.01
CHANGE_KINDS = ("agent reply", "reassigned", "pending", "priority", "customer reply", "resolved")
CLOSED_STATUSES = frozenset({4, 5})  # Resolved, Closed [D]
MAX_PAGES = 20_000
MAX_RETRIES = 100


@dataclass(slots=True)
class Pass:
    """One way of catching up: the calls it made and what it cost."""

    label: str
    calls: list[Call]
    virtual_seconds: float
    wall_seconds: float
    credits: int  # as PlanBudget counts them (the engine's CycleResult.requests); computed for (c)
    tickets_read: int = 0  # tickets the pass read (active + changed for a cycle, details for the watcher)
    stats: dict[str, int] | None = None

    @property
    def answered(self) -> list[Call]:
        return [c for c in self.calls if c.status != 429]

    @property
    def rejected(self) -> int:
        return sum(c.status == 429 for c in self.calls)

    @property
    def simulator_credits(self) -> int:
        return sum(c.credits for c in self.calls)

    @property
    def starter_minutes(self) -> float:
        return plan_minutes(self.calls)

    def summary(self) -> dict[str, Any]:
        return {
            "calls": len(self.answered),
            "rejected_429": self.rejected,
            "credits": self.credits,
            "simulator_credits": self.simulator_credits,
            "credits_by_limit": credits_by_limit(self.calls),
            "starter_minutes_computed": self.starter_minutes,
            "virtual_minutes_paced": self.virtual_seconds / 60,
            "wall_seconds": self.wall_seconds,
            "tickets_read": self.tickets_read,
            "min_ratelimit_remaining": min((c.remaining for c in self.calls if c.remaining is not None), default=None),
            "by_endpoint": by_endpoint(self.calls),
            "upsert": self.stats,
        }


def by_endpoint(calls: list[Call]) -> dict[str, dict[str, int]]:
    """Answered calls, credits and 429s per endpoint (ticket ids folded into ``{id}``)."""
    out: dict[str, Counter[str]] = {}
    for call in calls:
        path = re.sub(r"/\d+", "/{id}", call.path.split("/api/v2", 1)[-1])
        key = f"{call.method} {path}" + (f"?include={call.include}" if call.include else "")
        rejected = call.status == 429
        out.setdefault(key, Counter()).update(
            {"calls": int(not rejected), "credits": call.credits, "429": int(rejected)}
        )
    return {k: dict(v) for k, v in sorted(out.items())}


def apply_changes(scenario: FreshserviceScenario, count: int) -> dict[str, int]:
    """Change ``count`` active tickets spread over the set, cycling through ``CHANGE_KINDS``."""
    active = scenario.active_tickets()
    targets = active[:: max(1, len(active) // count)][:count]
    groups = sorted(scenario.groups)
    kinds: Counter[str] = Counter()
    for index, ticket in enumerate(targets):
        kind, ticket_id = CHANGE_KINDS[index % len(CHANGE_KINDS)], ticket["id"]
        if kind == "agent reply":
            scenario.agent_reply(ticket_id)
        elif kind == "reassigned":
            current = ticket["group_id"]
            group = groups[(groups.index(current) + 1) % len(groups)] if current in groups else groups[0]
            members = scenario.groups[group]["members"]
            scenario.update_ticket(ticket_id, group_id=group, responder_id=members[index % len(members)])
        elif kind == "pending":
            scenario.update_ticket(ticket_id, status=3)
        elif kind == "priority":
            scenario.update_ticket(ticket_id, priority=ticket["priority"] % 4 + 1)
        elif kind == "customer reply":
            scenario.requester_reply(ticket_id)
        else:
            scenario.update_ticket(ticket_id, status=4)
        kinds[kind] += 1
    return dict(kinds)


async def engine_pass(label: str, engine: SyncEngine, transport: CountingTransport, clock: VirtualClock) -> Pass:
    """One real sync cycle, with the calls it made and its virtual duration."""
    first, started, wall = len(transport.calls), clock.elapsed, time.perf_counter()
    result = await engine.run_cycle()
    if not result.ok:
        raise RuntimeError(f"{label}: the sync cycle failed: {result.error}")
    calls = transport.calls[first:]
    return Pass(
        label,
        calls,
        clock.elapsed - started,
        time.perf_counter() - wall,
        result.requests,
        result.active + result.closed_seen,
        asdict(result.stats),
    )


async def watcher_pass(transport: CountingTransport, clock: VirtualClock) -> Pass:
    """The old watcher: list every ticket id, then one ``GET /tickets/{id}?include=stats`` per active ticket."""
    first, started, wall = len(transport.calls), clock.elapsed, time.perf_counter()
    token = base64.b64encode(f"{FS_API_KEY}:X".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
    details = 0
    async with httpx2.AsyncClient(transport=transport, base_url=f"{FS_BASE_URL}/", headers=headers) as client:

        async def get(path: str, params: dict[str, Any]) -> httpx2.Response:
            for _ in range(MAX_RETRIES):
                resp = await client.get(path, params=params)
                if resp.status_code != 429:
                    resp.raise_for_status()
                    return resp
                await clock.sleep(float(resp.headers.get("retry-after", "60")))
            raise RuntimeError(f"old watcher: {path} still rate-limited after {MAX_RETRIES} tries")

        active: list[int] = []
        for page in range(1, MAX_PAGES):
            params = {"updated_since": "2010-01-01T00:00:00Z", "per_page": 100, "page": page}
            resp = await get("tickets", params)
            active += [t["id"] for t in resp.json()["tickets"] if t["status"] not in CLOSED_STATUSES]
            if 'rel="next"' not in resp.headers.get("link", ""):
                break
        for ticket_id in active:
            await get(f"tickets/{ticket_id}", {"include": "stats"})
            details += 1
    calls = transport.calls[first:]
    # PlanBudget's count: one credit per answered call plus one per include.
    credits = sum(1 + len(c.include.split(",")) if c.include else 1 for c in calls if c.status != 429)
    return Pass("(c) old watcher", calls, clock.elapsed - started, time.perf_counter() - wall, credits, details)


def active_ids(db_path: Path) -> set[str]:
    """External ids the store holds as active."""
    db = Database(f"sqlite:///{db_path}")
    try:
        with db.session() as session:
            return set(session.scalars(select(TicketRow.external_id).where(TicketRow.is_active.is_(True))))
    finally:
        db.dispose()


async def measure(ws: Workspace, n: int) -> dict[str, Any]:
    """Set up a source with ``n`` active tickets, change 1%, then catch up the three ways."""
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0))
    scenario = bench_scenario(n, now=clock.now())
    app = create_app(scenario, api_key=FS_API_KEY, plan="starter", clock=clock.monotonic)
    transport = CountingTransport(app)
    settings = source_settings(plan="starter", directory_refresh_seconds=3600, status_cache_seconds=3600)
    connector = connector_for(settings, transport, clock)
    path_a, path_b = ws.root / f"fs-sync-{n}-a.db", ws.root / f"fs-sync-{n}-b.db"
    config = Config(database_url=f"sqlite:///{path_a}", sources=[settings])
    db = Database(config.database_url)
    try:
        prepare_store(db, config)
        engine = SyncEngine(db, config, settings, connector, clock=clock.now)
        setup = [await engine_pass("cycle 1: active set + directory", engine, transport, clock)]
        setup_warnings = source_warnings(db, engine.source_id)
        sweep_started = clock.elapsed
        setup.append(await engine_pass("cycle 2: active set + 90-day backfill", engine, transport, clock))
        setup_warnings += source_warnings(db, engine.source_id)
        # Let a closed-sweep interval pass, as before any hourly reconciliation, then change 1% and poll.
        clock.advance(max(0.0, sweep_started + settings.closed_sweep_seconds - clock.elapsed))
        set_scenario_time(scenario, clock.now())
        changed = apply_changes(scenario, max(1, round(n * CHANGED_FRACTION)))
        clock.advance(settings.poll_seconds)
        with sqlite3.connect(path_a) as src, sqlite3.connect(path_b) as dst:
            src.backup(dst)
        incremental = await engine_pass("(a) incremental cycle", engine, transport, clock)
        a_warnings = source_warnings(db, engine.source_id)
    finally:
        db.dispose()
    clock.advance(60)  # a fresh minute window on both sides, so (b) does not inherit (a)'s spending
    settings_b = settings.model_copy(update={"reconcile_seconds": 60})
    config_b = Config(database_url=f"sqlite:///{path_b}", sources=[settings_b])
    db_b = Database(config_b.database_url)
    try:
        engine_b = SyncEngine(db_b, config_b, settings_b, connector, clock=clock.now)
        reconcile = await engine_pass("(b) reconciliation cycle", engine_b, transport, clock)
        b_warnings = source_warnings(db_b, engine_b.source_id)
    finally:
        db_b.dispose()
        await connector.aclose()
    clock.advance(60)
    watcher = await watcher_pass(transport, clock)

    if incremental.rejected or reconcile.rejected:
        raise RuntimeError(
            f"the simulator answered 429 during (a) or (b): {incremental.rejected}, {reconcile.rejected}"
        )
    expected = {str(t["id"]) for t in scenario.active_tickets()}
    return {
        "active_tickets": n,
        "active_after_changes": len(expected),
        "changed": changed,
        "setup": [p.summary() for p in setup],
        "setup_warnings": setup_warnings,
        "incremental": incremental.summary(),
        "reconcile": reconcile.summary(),
        "watcher": watcher.summary(),
        "warnings": {"incremental": a_warnings, "reconcile": b_warnings},
        "store_matches_simulator": {
            "incremental": sorted(active_ids(path_a) ^ expected)[:20] or True,
            "reconcile": sorted(active_ids(path_b) ^ expected)[:20] or True,
        },
    }


def run(ws: Workspace) -> BenchResult:
    """Calls, credits and Starter minutes of (a), (b) and (c) at 5,000 active tickets (500 with ``--quick``)."""
    n = ws.scale(FULL_TICKETS)
    m = asyncio.run(measure(ws, n))
    return BenchResult(NAME, figures(m), m)


def directory_calls(m: dict[str, Any]) -> int:
    """Calls of the directory refresh in cycle 1 (groups, agents, requesters, departments/companies)."""
    people = ("GET /groups", "GET /agents", "GET /requesters", "GET /departments", "GET /companies")
    return sum(v["calls"] for k, v in m["setup"][0]["by_endpoint"].items() if k in people)


def figures(m: dict[str, Any]) -> list[Figure]:
    """The table rows: (a) and (b) against (c), (a) against (b), minutes under Starter, and the 429 check."""
    a, b, c = m["incremental"], m["reconcile"], m["watcher"]
    n, changed = m["active_tickets"], sum(m["changed"].values())
    workload = (
        f"{n:,} active Freshservice tickets, {changed} changed since the last cycle; simulator in-process on "
        "Starter limits, one virtual clock"
    )
    overlap = a["tickets_read"] - changed

    def spent(p: dict[str, Any]) -> str:
        return f"{p['calls']:,} call{'s' * (p['calls'] != 1)}, {p['credits']:,} credits: " + ", ".join(
            f"{k} x{v['calls']}" for k, v in p["by_endpoint"].items()
        )

    limits = "Starter: 100 credits/min, 40/min list tickets, 50/min view ticket"
    rejected = a["rejected_429"] + b["rejected_429"]
    remaining = [x for x in (a["min_ratelimit_remaining"], b["min_ratelimit_remaining"]) if x is not None]
    return [
        Figure("Freshservice catch-up: (a) incremental cycle, API calls", a["calls"], "calls", workload,
               c["calls"], note=f"baseline = (c) the old watcher: {spent(c)}; (a): {spent(a)}; it read "
               f"{a['tickets_read']} tickets ({changed} changed, {overlap} re-read by the 300 s overlap)"),
        Figure("Freshservice catch-up: (b) reconciliation cycle, API calls", b["calls"], "calls", workload,
               c["calls"], note=f"baseline = (c); (b): {spent(b)}; the directory refresh (its own cadence, every 15 "
               f"min by default, counted in neither) costs {directory_calls(m)} calls more"),
        Figure("Freshservice catch-up: (a) incremental cycle, credits", a["credits"], "credits", workload,
               c["credits"], note="credits as PlanBudget counts them (include=stats costs 1 more); the "
               f"simulator charged {a['simulator_credits']} / {b['simulator_credits']} / {c['simulator_credits']} "
               "for (a) / (b) / (c)"),
        Figure("Freshservice catch-up: (b) reconciliation cycle, credits", b["credits"], "credits", workload,
               c["credits"], note="baseline = (c)"),
        Figure("Freshservice catch-up: (a) incremental vs (b) reconciliation, credits", a["credits"], "credits",
               workload, b["credits"], note="baseline = (b)"),
        Figure("Freshservice catch-up: (a) incremental, minutes under Starter", a["starter_minutes_computed"],
               "min", limits, c["starter_minutes_computed"],
               note="COMPUTED: the tightest of credits/limit over the total and each sub-limit; baseline = (c). "
               f"Paced by the connector at its 80% share on the virtual clock: {a['virtual_minutes_paced']:.2f} min"),
        Figure("Freshservice catch-up: (b) reconciliation, minutes under Starter", b["starter_minutes_computed"],
               "min", limits, c["starter_minutes_computed"],
               note=f"COMPUTED; baseline = (c). Paced on the virtual clock: {b['virtual_minutes_paced']:.2f} min"),
        Figure("Freshservice catch-up: (c) old watcher, minutes under Starter", c["starter_minutes_computed"],
               "min", limits, note=f"COMPUTED; waiting out the simulator's 429s on the virtual clock took "
               f"{c['virtual_minutes_paced']:.1f} min ({c['rejected_429']} 429s); for reference, not ours"),
        Figure("Freshservice catch-up: 429 responses during (a) and (b)", rejected, "responses", limits,
               note=f"lowest X-RateLimit-Remaining seen: {min(remaining) if remaining else '—'}"),
    ]  # fmt: skip
