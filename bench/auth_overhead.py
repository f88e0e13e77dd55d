"""Figure 4: what authentication and client scoping add to ``GET /api/dashboard`` (target: under 1 ms at p50).

One SQLite store (20,000 open tickets, 2,000 with ``--quick``) filled by a real ``deskpulse sync --once`` from
the simulator, with the simulator's ten requester domains configured as clients so that scoping has tickets
to filter. One app (``create_app(config, db=db)``) is driven in-process through ``httpx2.ASGITransport``, so the
timings include the middleware stack, routing, dependencies (thread-pool hops), the SQL and JSON, but no socket.
Variants, timed in the same process, interleaved round by round (the starting variant rotates each round):

* ``admin key``: ``X-API-Key`` of an admin (``_resolve`` looks the key, its creator up);
* ``session``: the ``deskpulse_session`` cookie of a signed-in admin (session row, user, its clients);
* ``customer key``: ``X-API-Key`` of a customer limited to one client (the scope is resolved too, and the
  view is the scoped one: client filter in SQL, no teams/agents);
* ``no auth``: the admin-key request with ``deskpulse.web.auth._resolve`` patched to return the admin key's
  Principal (resolved once beforehand) without touching the database, so "admin key - no auth" is exactly
  the cost of resolving the caller;
* ``no auth (customer)``: the same for the customer key's Principal, so the customer's view does the same work
  with and without auth (its view is smaller than the admin's, so comparing it with ``no auth`` alone would
  credit scoping with a cheaper view).

The rate limit is raised out of the way (every variant still passes through the limiter). The per-minute view
cache is used as it is: on the cached path the view costs almost nothing, so auth is the largest share, the
worst case for the overhead ratio. The cache-miss path (``sources.last_ok_at`` bumped before each request, as a
sync commit does) is measured too, with fewer rounds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import httpx2
from sqlalchemy import event, update

from common import (
    BENCH_RATE_LIMIT,
    DESKPULSE,
    SIM_TOKEN,
    SOURCE_NAME,
    BenchResult,
    Figure,
    Workspace,
    child_env,
    percentile,
    write_config,
)
from deskpulse.auth import apikeys, sessions
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user, principal_for_user, user_client_keys
from deskpulse.clock import utcnow
from deskpulse.config import AuthConfig, ClientConfig, Config, SourceConfig
from deskpulse.simulators.scenario import COMPANIES
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from deskpulse.web import auth as web_auth
from deskpulse.web.app import create_app, prepare_store

NAME = "auth"
FULL_TICKETS = 20_000
TARGET_MS = 1.0
URL = "/api/dashboard"
CUSTOMER_CLIENT = "acme"
# One client per requester domain of the simulator ("acme.nl" -> "acme").
CLIENTS = [ClientConfig(id=d.split(".")[0], name=d.split(".")[0].title(), email_domains=[d]) for d in COMPANIES]


@dataclass(slots=True)
class Variant:
    """One way of calling the dashboard; ``fixed`` set means ``_resolve`` is patched to return it."""

    name: str
    headers: dict[str, str]
    fixed: Principal | None = None


def fill_store(ws: Workspace, open_tickets: int) -> tuple[Path, str, float]:
    """A store filled by ``deskpulse sync --once`` with the clients configured; (db path, base URL, seconds)."""
    sim = ws.simulator(open_tickets)
    db_path = ws.root / f"auth-store-{open_tickets}.db"
    config_path = write_config(ws.root / f"auth-store-{open_tickets}.toml", sim.base_url)
    blocks = [
        f'\n[[clients]]\nid = "{c.id}"\nname = "{c.name}"\nemail_domains = ["{c.email_domains[0]}"]\n' for c in CLIENTS
    ]
    with config_path.open("a", encoding="utf-8") as fh:
        fh.write("".join(blocks))
    started = time.perf_counter()
    done = subprocess.run(
        [DESKPULSE, "sync", "--once", "--config", str(config_path)],
        env=child_env(f"sqlite:///{db_path}"),
        cwd=ws.root,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"filling the store failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return db_path, sim.base_url, time.perf_counter() - started


def make_callers(db: Database, config: Config) -> dict[str, Any]:
    """An admin (with an API key and a browser session) and a customer of one client (with an API key)."""
    now = utcnow()
    with db.session() as session:
        admin = create_user(session, email="bench-admin@example.test", role=Role.ADMIN, now=now)
        admin_p = principal_for_user(session, admin)
        _, admin_key = apikeys.create(session, creator=admin_p, name="bench", role=Role.ADMIN, clients=None, now=now)
        cookie = sessions.start(session, now=now, cfg=config.auth, user_id=admin.id)
        customer = create_user(
            session, email="bench-customer@example.test", role=Role.CUSTOMER, now=now, clients=[CUSTOMER_CLIENT]
        )
        customer_p = principal_for_user(session, customer)
        _, customer_key = apikeys.create(
            session,
            creator=customer_p,
            name="bench",
            role=Role.CUSTOMER,
            clients=[CUSTOMER_CLIENT],
            now=now,
            creator_client_keys=user_client_keys(session, customer.id),
        )
    with db.session() as session:
        # The Principals the real resolution produces, handed out unchanged by the patched baselines.
        admin_resolved = apikeys.resolve(session, admin_key, now=now)
        customer_resolved = apikeys.resolve(session, customer_key, now=now)
    if admin_resolved is None or customer_resolved is None or customer_resolved.client_ids is None:
        raise RuntimeError("the benchmark's API keys do not resolve")
    return {
        "admin_key": admin_key,
        "customer_key": customer_key,
        "cookie": cookie,
        "admin": admin_resolved,
        "customer": customer_resolved,
    }


async def _get(client: httpx2.AsyncClient, variant: Variant) -> tuple[float, dict[str, Any]]:
    """Seconds for one GET of the dashboard as ``variant``, and its JSON."""
    if variant.fixed is None:
        started = time.perf_counter()
        resp = await client.get(URL, headers=variant.headers)
        elapsed = time.perf_counter() - started
    else:
        fixed = variant.fixed
        with patch.object(web_auth, "_resolve", new=lambda _request, _session=None: fixed):
            started = time.perf_counter()
            resp = await client.get(URL, headers=variant.headers)
            elapsed = time.perf_counter() - started
    if resp.status_code != 200:
        raise RuntimeError(f"{variant.name}: GET {URL} answered {resp.status_code}: {resp.text[:300]}")
    return elapsed, resp.json()


async def measure(
    app: Any, variants: list[Variant], rounds: int, warmup: int, before: Callable[[int], None] | None = None
) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]]]:
    """Interleaved timings: each round times every variant once, starting with a different one each round.

    ``before(i)`` runs (untimed) before every timed request, e.g. to invalidate the view cache.
    """
    samples: dict[str, list[float]] = {v.name: [] for v in variants}
    bodies: dict[str, dict[str, Any]] = {}
    transport = httpx2.ASGITransport(app=app)
    step = 0
    async with httpx2.AsyncClient(transport=transport, base_url="http://deskpulse.bench", timeout=600) as client:
        for index in range(warmup + rounds):
            shift = index % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                if before is not None:
                    before(step)
                    step += 1
                elapsed, body = await _get(client, variant)
                if index >= warmup:
                    samples[variant.name].append(elapsed)
                bodies[variant.name] = body
    return samples, bodies


async def statements_per_request(app: Any, db: Database, variants: list[Variant]) -> dict[str, int]:
    """SQL statements one (cached) dashboard request runs, per variant."""
    counts: dict[str, int] = {}
    executed = 0

    def count(*_: Any) -> None:
        nonlocal executed
        executed += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://deskpulse.bench") as c:
            for variant in variants:
                await _get(c, variant)  # warm the cache for this variant
                executed = 0
                await _get(c, variant)
                counts[variant.name] = executed
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counts


def cpu_calibration_ms() -> float:
    """Milliseconds for a fixed pure-Python loop (best of 3): how fast this machine is right now."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best * 1000


def summarize(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """p50/p90/mean in ms per variant."""
    return {
        name: {
            "p50_ms": percentile(s, 50) * 1000,
            "p90_ms": percentile(s, 90) * 1000,
            "mean_ms": statistics.fmean(s) * 1000,
            "requests": len(s),
        }
        for name, s in samples.items()
    }


def paired_median_ms(samples: dict[str, list[float]], with_: str, without: str) -> float:
    """Median of the per-round differences (same round, so drift cancels), in ms."""
    return statistics.median(a - b for a, b in zip(samples[with_], samples[without], strict=True)) * 1000


def run(ws: Workspace) -> BenchResult:
    """Dashboard p50 with each kind of caller against the same request with ``_resolve`` patched out."""
    n = ws.scale(FULL_TICKETS)
    rounds = 100 if ws.quick else 500
    cold_rounds = 30 if ws.quick else 150
    db_path, base_url, fill_seconds = fill_store(ws, n)
    work_path = ws.root / f"auth-work-{n}.db"
    with sqlite3.connect(db_path) as src, sqlite3.connect(work_path) as dst:
        src.backup(dst)  # users, keys and last_ok_at bumps go to a copy
    source = SourceConfig(
        name=SOURCE_NAME, kind="trengo", base_url=base_url, token=SIM_TOKEN, requests_per_minute=BENCH_RATE_LIMIT
    )
    config = Config(
        database_url=f"sqlite:///{work_path}",
        sources=[source],
        clients=CLIENTS,
        # Every variant still passes the limiter; it must just never answer 429 during the run.
        auth=AuthConfig(api_requests_per_minute=BENCH_RATE_LIMIT),
    )
    db = Database(config.database_url)
    try:
        prepare_store(db, config)  # what the lifespan does (ASGITransport does not run it)
        callers = make_callers(db, config)
        app = create_app(config, db=db)
        admin_h = {"X-API-Key": callers["admin_key"]}
        customer_h = {"X-API-Key": callers["customer_key"]}
        variants = [
            Variant("admin key", admin_h),
            Variant("no auth", admin_h, callers["admin"]),
            Variant("session", {"Cookie": f"{sessions.COOKIE}={callers['cookie']}"}),
            Variant("customer key", customer_h),
            Variant("no auth (customer)", customer_h, callers["customer"]),
        ]
        statements = asyncio.run(statements_per_request(app, db, variants))
        calibration_before = cpu_calibration_ms()
        warm, bodies = asyncio.run(measure(app, variants, rounds, warmup=20))

        base = utcnow()

        def bump(step: int) -> None:
            with db.session() as session:
                session.execute(update(SourceRow).values(last_ok_at=base + timedelta(seconds=step + 1)))

        cold, _ = asyncio.run(measure(app, variants, cold_rounds, warmup=2, before=bump))
        calibration_after = cpu_calibration_ms()
    finally:
        db.dispose()

    check_views(bodies)
    w, c = summarize(warm), summarize(cold)
    pairs = [("admin key", "no auth"), ("session", "no auth"), ("customer key", "no auth (customer)")]
    overhead = {f"{a} - {b}": w[a]["p50_ms"] - w[b]["p50_ms"] for a, b in pairs}
    overhead["customer key - no auth"] = w["customer key"]["p50_ms"] - w["no auth"]["p50_ms"]
    cold_overhead = {f"{a} - {b}": c[a]["p50_ms"] - c[b]["p50_ms"] for a, b in pairs}
    paired = {f"{a} - {b}": paired_median_ms(warm, a, b) for a, b in pairs}
    cold_paired = {f"{a} - {b}": paired_median_ms(cold, a, b) for a, b in pairs}

    total = bodies["no auth"]["summary"]["total"]
    scoped = bodies["customer key"]["summary"]["total"]
    workload = (
        f"{total:,} open tickets, SQLite file, in-process httpx2.ASGITransport (no socket), "
        f"{rounds} interleaved requests per variant, view cache hit"
    )
    cold_w = f"{total:,} open tickets, in-process, {cold_rounds} interleaved requests per variant, cache missed"
    cold_note = (
        f"; the cache-miss view itself takes {c['no auth']['p50_ms']:.1f} ms at p50 (p90 {c['no auth']['p90_ms']:.1f}),"
        " so this difference is noisier than the cached one"
    )
    base_note = "baseline = same request with _resolve patched to return the caller's Principal (no database)"
    figures = [
        Figure(f"/api/dashboard p50 @{total:,}, admin API key", w["admin key"]["p50_ms"], "ms", workload,
               w["no auth"]["p50_ms"], note=base_note),
        Figure(f"/api/dashboard p50 @{total:,}, session cookie", w["session"]["p50_ms"], "ms", workload,
               w["no auth"]["p50_ms"], note=base_note + " (the admin's)"),
        Figure(f"/api/dashboard p50 @{total:,}, customer key (1 client)", w["customer key"]["p50_ms"], "ms",
               workload, w["no auth (customer)"]["p50_ms"],
               note=base_note + f" (the customer's; scoped view: {scoped:,} of {total:,} tickets)"),
    ]  # fmt: skip
    for label, key in [("admin API key", "admin key - no auth"), ("session cookie", "session - no auth")]:
        figures.append(_overhead_figure(f"auth overhead p50, {label}", overhead[key], workload, paired[key]))
    figures.append(
        _overhead_figure(
            "auth + scoping overhead p50, customer key",
            overhead["customer key - no auth (customer)"],
            workload,
            paired["customer key - no auth (customer)"],
            extra=f"; vs the unscoped admin baseline: {overhead['customer key - no auth']:+.3f} ms (smaller view)",
        )
    )
    for label, key in [
        ("admin API key", "admin key - no auth"),
        ("session cookie", "session - no auth"),
        ("customer key", "customer key - no auth (customer)"),
    ]:
        name = f"auth overhead p50 on a cache miss, {label}"
        figures.append(_overhead_figure(name, cold_overhead[key], cold_w, cold_paired[key], extra=cold_note))
    details = {
        "open_tickets": total,
        "customer_tickets": scoped,
        "fill_seconds": fill_seconds,
        "cached": w,
        "cache_miss": c,
        "overhead_p50_ms": overhead,
        "overhead_paired_median_ms": paired,
        "cache_miss_overhead_p50_ms": cold_overhead,
        "cache_miss_overhead_paired_median_ms": cold_paired,
        "sql_statements_per_cached_request": statements,
        # This machine's speed drifts between runs; compare absolute times only at similar calibration values.
        "cpu_calibration_ms_before_after": [calibration_before, calibration_after],
    }
    return BenchResult(NAME, figures, details)


def _overhead_figure(name: str, value: float, workload: str, paired: float, extra: str = "") -> Figure:
    """An overhead in ms against the 1 ms target (the "baseline" column holds the target)."""
    note = f"baseline column = the {TARGET_MS:g} ms target; median of per-round differences {paired:+.3f} ms{extra}"
    return Figure(name, value, "ms", workload, TARGET_MS if value > 0 else None, note=note)


def check_views(bodies: dict[str, dict[str, Any]]) -> None:
    """The variants saw what they should: same admin view with and without auth, a smaller scoped view."""
    admin = bodies["no auth"]["summary"]
    for name in ("admin key", "session"):
        if bodies[name]["summary"] != admin or not bodies[name]["teams"]:
            raise RuntimeError(f"{name}: unexpected view {bodies[name]['summary']} (admin: {admin})")
    customer = bodies["customer key"]
    scoped = customer["summary"]["total"]
    if customer != bodies["no auth (customer)"] or customer["teams"] or not 0 < scoped < admin["total"]:
        raise RuntimeError(f"customer key: unexpected view {customer['summary']} (admin: {admin})")
