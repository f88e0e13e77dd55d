"""Figure 5: ``GET /api/board`` (the agents' work board) from the store, against rebuilding it per view.

* ours: one app (``create_app(config, db=db)``) driven in-process through ``httpx2.ASGITransport`` with an
  admin API key, as bench/auth_overhead.py does, on a SQLite store filled from the Freshservice simulator by two
  real sync cycles (bench/freshservice_setup.py): 20,000 active tickets (2,000 with ``--quick``) spread over
  statuses, priorities, 10 groups, 60 agents and SLA due dates, with descriptions of 200-600 characters. The board
  has no view cache: every request loads every active ticket, builds the sections and SLA badges and serializes
  them. Sequential requests; p50/p95/p99 and the response size (the body; no compression is applied).
* baseline "refetch": what a board without a store does per view: read every ticket with its stats from the
  vendor (the connector's ``GET /tickets?updated_since=2010-01-01&include=stats`` walk against the same
  scenario, in-process, no rate limit), keep the active ones, build the same board with
  ``domain.ticket_board.build_board`` and serialize it. The simulator answers after 50 ms per call (a remote
  SaaS API, as in the dashboard benchmark); the same refetch with no latency at all is reported too, as the
  CPU-only lower bound. Directory names are fetched once, not per view, and the baseline serializes a plain
  dict (no pydantic), both in its favour. Vendor calls per view are counted, and the minutes one such view
  needs under the Starter plan's limits are computed from them.
* baseline "files": the old Flask board: its watcher kept one JSON file per ticket (the shape of
  ``GET /tickets/{id}?include=stats``) and every view re-read and parsed every file; here each file is parsed
  with the connector's own model and mapping, then the same board is built and serialized.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2

from auth_overhead import CLIENTS, make_callers
from common import BENCH_RATE_LIMIT, BenchResult, Figure, Workspace, percentile
from dashboard_latency import SIM_LATENCY
from deskpulse.clock import utcnow
from deskpulse.config import AuthConfig
from deskpulse.connectors.freshservice import FreshserviceConnector
from deskpulse.connectors.freshservice.mapping import MappingContext, map_ticket
from deskpulse.connectors.freshservice.models import FsTicket
from deskpulse.domain.ticket_board import Board, BoardItem, build_board
from deskpulse.simulators.freshservice import create_app as create_sim_app
from deskpulse.store.db import Database
from deskpulse.web.app import create_app, prepare_store
from freshservice_setup import (
    FS_API_KEY,
    Call,
    CountingTransport,
    FreshserviceStore,
    connector_for,
    fill_store,
    fresh_window_clock,
    plan_minutes,
    unthrottled_settings,
)

NAME = "board"
FULL_TICKETS = 20_000
SMALL_TICKETS = 2_000
URL = "/api/board"
SINCE_EVER = datetime(2010, 1, 1, tzinfo=UTC)  # before any Freshservice account existed
Names = tuple[dict[str, str], dict[str, str]]  # (group id -> name, agent id -> name)


async def time_board(store: FreshserviceStore, count: int, warmup: int) -> dict[str, dict[str, Any]]:
    """Sequential in-process GETs of the board as an admin: latencies, body size, vendor calls made.

    ``cold``: the per-minute board cache is dropped before every request (each view computes the board: what
    the first view after a sync, or each view of a new filter, costs); ``warm``: views within the minute hit it.
    """
    config = store.config.model_copy(update={"auth": AuthConfig(api_requests_per_minute=BENCH_RATE_LIMIT)})
    db = Database(config.database_url)
    try:
        prepare_store(db, config)  # what the lifespan does (ASGITransport does not run it)
        key = make_callers(db, config)["admin_key"]
        app = create_app(config, db=db)
        vendor_before = len(store.app.state.request_log)
        transport = httpx2.ASGITransport(app=app)
        headers = {"X-API-Key": key}
        out: dict[str, dict[str, Any]] = {}
        async with httpx2.AsyncClient(transport=transport, base_url="http://deskpulse.bench", headers=headers) as c:
            for mode in ("cold", "warm"):
                samples: list[float] = []
                for index in range(warmup + count):
                    if mode == "cold":
                        app.state.board_cache = None
                    started = time.perf_counter()
                    resp = await c.get(URL)
                    elapsed = time.perf_counter() - started
                    if resp.status_code != 200:
                        raise RuntimeError(f"GET {URL} answered {resp.status_code}: {resp.text[:300]}")
                    if index >= warmup:
                        samples.append(elapsed)
                body = resp.json()
                out[mode] = {
                    **summary_ms(samples),
                    "bytes": len(resp.content),
                    "content_encoding": resp.headers.get("content-encoding"),
                    "total_active": body["total_active"],
                    "sections": {s["key"]: len(s["items"]) for s in body["sections"]},
                    "vendor_calls_per_view": (len(store.app.state.request_log) - vendor_before) / (warmup + count),
                }
    finally:
        db.dispose()
    return out


def summary_ms(samples: list[float]) -> dict[str, Any]:
    """p50/p95/p99/max in ms and the sample count."""
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "max_ms": max(samples) * 1000,
        "samples": len(samples),
    }


def render(board: Board, names: Names, now: datetime) -> bytes:
    """The board as JSON bytes, with the fields an agent sees on each card."""
    teams, agents = names

    def item(i: BoardItem) -> dict[str, Any]:
        t = i.ticket
        return {
            "id": t.external_id,
            "url": t.url,
            "subject": t.subject,
            "description": getattr(t, "description", None),
            "requester": t.requester_name,
            "agent": agents.get(t.agent_external_id or ""),
            "group": teams.get(t.team_external_id or ""),
            "priority": t.priority.value if t.priority else None,
            "status": t.status_label,
            "age_seconds": i.age_seconds,
            "since_update_seconds": i.since_update_seconds,
            "update_overdue": i.update_overdue,
            "sla": {
                "state": i.sla.state.value,
                "text": i.sla.text,
                "due_at": i.sla.due_at.isoformat() if i.sla.due_at else None,
                "remaining_seconds": i.sla.remaining_seconds,
            },
        }

    sections = [{"key": s.key, "title": s.title, "items": [item(i) for i in s.items]} for s in board.sections]
    out = {"sections": sections, "total_active": board.total_active, "generated_at": now.isoformat()}
    return json.dumps(out).encode()


async def refetch_view(connector: FreshserviceConnector, names: Names) -> tuple[bytes, int]:
    """One view the store-less way: every ticket from the vendor, then the board; (body, active tickets)."""
    tickets = await connector.fetch_changed_since(SINCE_EVER)
    now = utcnow()
    board = build_board([t for t in tickets if t.status_category.is_active], now)
    return render(board, names, now), board.total_active


def write_ticket_files(store: FreshserviceStore, folder: Path) -> int:
    """One file per active ticket, as the old watcher kept them; returns how many were written."""
    folder.mkdir(parents=True, exist_ok=True)
    active = store.scenario.active_tickets()
    for ticket in active:
        raw = {**ticket, "stats": store.scenario.stats[ticket["id"]]}
        (folder / f"{ticket['id']}.txt").write_text(json.dumps(raw), encoding="utf-8")
    return len(active)


def files_view(folder: Path, ctx: MappingContext, names: Names) -> tuple[bytes, int]:
    """One view the old Flask way: read and parse every ticket file, then the board; (body, active tickets)."""
    tickets = []
    for entry in os.scandir(folder):
        with open(entry.path, encoding="utf-8") as fh:
            tickets.append(map_ticket(FsTicket.model_validate(json.load(fh)), ctx))
    now = utcnow()
    board = build_board([t for t in tickets if t.status_category.is_active], now)
    return render(board, names, now), board.total_active


async def time_refetch(
    store: FreshserviceStore, names: Names, views: int, latency: float, warmup: int
) -> dict[str, Any]:
    """Per-view time, size and vendor calls of the refetch baseline, the simulator answering after ``latency``."""
    app = create_sim_app(store.scenario, api_key=FS_API_KEY, latency_seconds=latency, clock=fresh_window_clock())
    transport = CountingTransport(app)
    connector = connector_for(unthrottled_settings(), transport)
    samples: list[float] = []
    calls: list[Call] = []
    try:
        await connector.status_table()
        for index in range(warmup + views):
            before = len(transport.calls)
            started = time.perf_counter()
            body, total = await refetch_view(connector, names)
            if index >= warmup:
                samples.append(time.perf_counter() - started)
                calls = transport.calls[before:]
    finally:
        await connector.aclose()
    return {
        **summary_ms(samples),
        "latency_ms_per_call": latency * 1000,
        "bytes": len(body),
        "total_active": total,
        "vendor_calls_per_view": len(calls),
        "credits_per_view": sum(c.credits for c in calls),
        "starter_minutes_per_view": plan_minutes(calls),
    }


async def time_baselines(ws: Workspace, store: FreshserviceStore, views: int) -> dict[str, Any]:
    """The refetch baseline with and without network latency, and the files baseline, on ``store``'s tickets."""
    connector = connector_for(unthrottled_settings(), CountingTransport(store.app))
    try:
        directory = await connector.fetch_directory()  # once, in the baselines' favour
        names = ({t.external_id: t.name for t in directory.teams}, {a.external_id: a.name for a in directory.agents})
        ctx = MappingContext(
            statuses=await connector.status_table(), web_base=connector.cfg.web_base, requesters=connector.requesters
        )
    finally:
        await connector.aclose()
    refetch = await time_refetch(store, names, views, SIM_LATENCY, warmup=0)
    refetch_cpu = await time_refetch(store, names, views, 0.0, warmup=1)
    folder = ws.root / f"freshservice-tickets-{store.active_tickets}"
    written = write_ticket_files(store, folder)
    files: list[float] = []
    for index in range(views + 1):
        started = time.perf_counter()
        files_body, files_total = files_view(folder, ctx, names)
        if index > 0:
            files.append(time.perf_counter() - started)
    return {
        "refetch": refetch,
        "refetch_no_latency": refetch_cpu,
        "files": {**summary_ms(files), "bytes": len(files_body), "total_active": files_total, "files": written},
    }


async def measure(ws: Workspace, active_tickets: int, count: int, warmup: int, views: int) -> dict[str, Any]:
    """Fill a store with ``active_tickets``, then time ours and both baselines on it."""
    store = await fill_store(ws, active_tickets, CLIENTS)
    timed = await time_board(store, count, warmup)
    ours, warm = timed["cold"], timed["warm"]
    baselines = await time_baselines(ws, store, views)
    expected = len(store.scenario.active_tickets())
    seen = {"ours": ours["total_active"], **{k: v["total_active"] for k, v in baselines.items()}}
    if any(total != expected for total in seen.values()):
        raise RuntimeError(f"boards disagree with the simulator's {expected} active tickets: {seen}")
    return {
        "ours": ours,
        "warm": warm,
        **baselines,
        "fill_seconds": store.seconds,
        "fill_credits": [c.requests for c in store.cycles],
        "fill_warnings": store.warnings,
    }


def run(ws: Workspace) -> BenchResult:
    """Ours at 20k and 2k active tickets, each against both baselines on the same store and simulator."""
    big_n, small_n = ws.scale(FULL_TICKETS), ws.scale(SMALL_TICKETS)
    big = asyncio.run(measure(ws, big_n, count=20 if ws.quick else 60, warmup=3, views=3 if ws.quick else 5))
    small = asyncio.run(measure(ws, small_n, count=50 if ws.quick else 200, warmup=5, views=3 if ws.quick else 10))
    figures: list[Figure] = []
    for n, m in ((big_n, big), (small_n, small)):
        ours, refetch, cpu, files = m["ours"], m["refetch"], m["refetch_no_latency"], m["files"]
        workload = (
            f"{n:,} active Freshservice tickets, SQLite file, in-process httpx2.ASGITransport, admin API key, "
            f"{ours['samples']} sequential requests, board cache dropped before each (every view computes)"
        )
        warm = m["warm"]
        per_view = f"{refetch['vendor_calls_per_view']} calls ({refetch['credits_per_view']} credits)"
        refetch_note = (
            f"baseline = per view, refetch every ticket with stats from the simulator ({per_view}, "
            f"{refetch['latency_ms_per_call']:.0f} ms per call as in the dashboard benchmark, no rate limit), "
            f"build_board, JSON; {refetch['samples']} views"
        )
        figures += [
            Figure(f"/api/board p50 @{n:,}", ours["p50_ms"], "ms", workload, refetch["p50_ms"], note=refetch_note),
            Figure(f"/api/board p95 @{n:,}", ours["p95_ms"], "ms", workload, refetch["p95_ms"]),
            Figure(f"/api/board p50 @{n:,}, views within the minute (cache hit)", warm["p50_ms"], "ms",
                   workload.replace("board cache dropped before each (every view computes)", "per-minute board "
                   "cache kept: one computation per minute and sync"), ours["p50_ms"],
                   note="baseline = the same board computed on every view (the cold figure above)"),
            Figure(f"/api/board p99 @{n:,}", ours["p99_ms"], "ms", workload, refetch["max_ms"],
                   note=f"baseline = slowest of {refetch['samples']} refetch views"),
            Figure(f"/api/board p50 @{n:,} vs refetch with no network latency", ours["p50_ms"], "ms", workload,
                   cpu["p50_ms"], note=f"baseline = the same refetch with the simulator answering at once "
                   f"(CPU only, a lower bound no real API reaches); {cpu['samples']} views"),
            Figure(f"/api/board p50 @{n:,} vs re-reading ticket files", ours["p50_ms"], "ms", workload,
                   files["p50_ms"], note=f"baseline = the old Flask board: read and parse {files['files']:,} "
                   f"ticket files per view ({files['samples']} views), build_board, JSON"),
            Figure(f"/api/board response size @{n:,}", ours["bytes"], "bytes", workload,
                   note=f"uncompressed JSON, {ours['bytes'] / n:,.0f} bytes per ticket (the baselines' plainer "
                   f"JSON of the same cards: {refetch['bytes']:,} bytes)"),
            Figure(f"vendor calls per board view @{n:,}", ours["vendor_calls_per_view"], "calls", workload,
                   float(refetch["vendor_calls_per_view"]), note="baseline counted on the simulator"),
            Figure(f"refetch baseline: one board view @{n:,} within Starter's limits",
                   refetch["starter_minutes_per_view"], "min",
                   f"{per_view}; Starter: 100 credits/min, 40 list credits/min",
                   note="COMPUTED from the counted calls and the plan limits; for reference, not ours"),
        ]  # fmt: skip
    return BenchResult(NAME, figures, {f"@{big_n}": big, f"@{small_n}": small})
