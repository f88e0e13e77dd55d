"""Figure 1: ``GET /api/dashboard`` latency from the store, against the old refetch-per-view approach.

* ours: ``deskpulse serve --web-only`` (uvicorn, child process) on a SQLite file filled by a real sync from
  the simulator; a separate client process (this one) times sequential keep-alive requests over loopback,
  so the figures include HTTP, routing, the SQL aggregates and JSON. Vendor calls per view are counted on
  the simulator the source points at (``request_log`` before/after) and must be 0.
* baseline: ``bench/baseline_server.py`` pages through the simulator's OPEN and ASSIGNED lists (and teams,
  users) per view, with the simulator answering after 50 ms like a remote SaaS API. It runs on the small
  workload only (at 100k a view needs ~4,000 sequential calls); its 100k figure is extrapolated from the
  measured per-call time and the exact page count, and labelled so.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2

from common import (
    BENCH_DIR,
    DESKPULSE,
    BenchResult,
    Figure,
    FilledStore,
    Simulator,
    Workspace,
    child_env,
    free_port,
    percentile,
    wait_http,
)

NAME = "dashboard"
FULL_TICKETS = 100_000
SMALL_TICKETS = 2_000
SIM_LATENCY = 0.05
TRENGO_LIMIT_PER_MINUTE = 120


def time_requests(url: str, count: int, warmup: int, headers: dict[str, str] | None = None) -> list[float]:
    """Seconds per sequential GET of ``url`` on one keep-alive connection, after ``warmup`` untimed ones."""
    samples: list[float] = []
    with httpx2.Client(timeout=600, headers=headers) as client:
        for index in range(warmup + count):
            started = time.perf_counter()
            resp = client.get(url)
            elapsed = time.perf_counter() - started
            if resp.status_code != 200:
                raise RuntimeError(f"GET {url} answered {resp.status_code}: {resp.text[:300]}")
            if index >= warmup:
                samples.append(elapsed)
    return samples


def time_cold_requests(url: str, db_path: Path, count: int, headers: dict[str, str]) -> list[float]:
    """Seconds per GET right after a (simulated) sync commit, i.e. with the per-minute view cache missed.

    Each request is preceded by bumping the source's ``last_ok_at`` in the store, exactly what a sync cycle's
    commit does, so every timed view recomputes the aggregates over all open tickets.
    """
    samples: list[float] = []
    base = datetime.now(UTC).replace(tzinfo=None)
    with httpx2.Client(timeout=600, headers=headers) as client, sqlite3.connect(db_path) as conn:
        for index in range(count):
            conn.execute("UPDATE sources SET last_ok_at = ?", ((base + timedelta(seconds=index)).isoformat(" "),))
            conn.commit()
            started = time.perf_counter()
            resp = client.get(url)
            samples.append(time.perf_counter() - started)
            if resp.status_code != 200:
                raise RuntimeError(f"GET {url} answered {resp.status_code}: {resp.text[:300]}")
    return samples


def measure_ours(ws: Workspace, store: FilledStore, sim: Simulator, count: int) -> dict[str, float]:
    """p50/p99 of our dashboard on ``store`` and the vendor calls it made per view."""
    port = free_port()
    args = [DESKPULSE, "serve", "--web-only", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--config", str(store.config_path)]
    child = ws.spawn(f"serve-{store.open_tickets}", args, env=child_env(store.database_url))
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", child)
        before = sim.requests()
        url = f"http://127.0.0.1:{port}/api/dashboard"
        samples = time_requests(url, count, warmup=10, headers=store.headers)
        cold = time_cold_requests(url, store.db_path, max(10, count // 5), store.headers)
        calls = sim.requests() - before
    finally:
        ws.release(child)
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "mean_ms": sum(samples) / len(samples) * 1000,
        "requests": len(samples),
        "cold_p50_ms": percentile(cold, 50) * 1000,
        "cold_p99_ms": percentile(cold, 99) * 1000,
        "vendor_calls_per_view": calls / (count + 10 + len(cold)),
    }


def measure_baseline(ws: Workspace, sim: Simulator, views: int) -> dict[str, float]:
    """Per-view time and vendor calls of the old approach against ``sim`` (50 ms per call)."""
    port = free_port()
    args = [sys.executable, str(BENCH_DIR / "baseline_server.py"), "--port", str(port), "--sim-url", sim.base_url]
    child = ws.spawn("baseline", args)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", child)
        before = sim.requests()
        samples = time_requests(f"http://127.0.0.1:{port}/api/dashboard", views, warmup=1)
        calls = (sim.requests() - before) / (views + 1)
    finally:
        ws.release(child)
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "views": len(samples),
        "vendor_calls_per_view": calls,
        "ms_per_vendor_call": percentile(samples, 50) * 1000 / calls,
    }


def run(ws: Workspace) -> BenchResult:
    """Ours at 100k and at 2k, the baseline at 2k, and the baseline extrapolated to 100k."""
    big_n, small_n = ws.scale(FULL_TICKETS), ws.scale(SMALL_TICKETS)
    count = 50 if ws.quick else 200
    views = 3 if ws.quick else 8
    big_sim = ws.simulator(big_n)
    ours_big = measure_ours(ws, ws.filled_store(big_n), big_sim, count)
    small_sim = ws.simulator(small_n, SIM_LATENCY)
    ours_small = measure_ours(ws, ws.filled_store(small_n, SIM_LATENCY), small_sim, count)
    old_small = measure_baseline(ws, small_sim, views)
    pages = big_sim.stats()
    calls_big = sum(v for k, v in pages.items() if k.endswith("_pages"))
    old_big_ms = calls_big * old_small["ms_per_vendor_call"]
    old_big_at_limit_s = calls_big * 60 / TRENGO_LIMIT_PER_MINUTE

    big_w = f"{big_n:,} open tickets, SQLite file, uvicorn on loopback, {count} sequential requests"
    small_w = f"{small_n:,} open tickets; baseline: {views} views, simulator latency {SIM_LATENCY * 1000:.0f} ms/call"
    extrap = (
        f"baseline EXTRAPOLATED: {calls_big:,} calls/view x {old_small['ms_per_vendor_call']:.1f} ms/call "
        f"measured at {small_n:,}"
    )
    figures = [
        Figure(f"/api/dashboard p50 @{big_n:,}", ours_big["p50_ms"], "ms", big_w, old_big_ms, note=extrap),
        Figure(f"/api/dashboard p99 @{big_n:,}", ours_big["p99_ms"], "ms", big_w),
        Figure(
            f"/api/dashboard p50 @{big_n:,}, first view after a sync (cache missed)",
            ours_big["cold_p50_ms"],
            "ms",
            big_w,
            old_big_ms,
            note="every timed view recomputes all aggregates; " + extrap,
        ),
        Figure(f"/api/dashboard p99 @{big_n:,}, first view after a sync", ours_big["cold_p99_ms"], "ms", big_w),
        Figure(
            f"/api/dashboard p50 @{small_n:,}",
            ours_small["p50_ms"],
            "ms",
            small_w,
            old_small["p50_ms"],
            note="baseline measured (same simulator, same tickets)",
        ),
        Figure(
            f"/api/dashboard p99 @{small_n:,}",
            ours_small["p99_ms"],
            "ms",
            small_w,
            old_small["p99_ms"],
            note="baseline measured",
        ),
        Figure(
            f"vendor calls per view @{small_n:,}",
            ours_small["vendor_calls_per_view"],
            "calls",
            small_w,
            old_small["vendor_calls_per_view"],
            note="baseline measured on the simulator's request log",
        ),
        Figure(
            f"vendor calls per view @{big_n:,}",
            ours_big["vendor_calls_per_view"],
            "calls",
            big_w,
            float(calls_big),
            note="baseline computed from the simulator's page counts (not run)",
        ),
        Figure(
            f"old approach: one view @{big_n:,} within Trengo's 120 req/min",
            old_big_at_limit_s,
            "s",
            f"{calls_big:,} sequential calls (Trengo publishes 120 requests/minute per token)",
            note=f"EXTRAPOLATED: {calls_big:,} calls / 120 per minute; for reference, not ours",
        ),
    ]
    details = {
        "ours_big": ours_big,
        "ours_small": ours_small,
        "baseline_small": old_small,
        "big_simulator_pages": pages,
        "baseline_big_extrapolated_ms": old_big_ms,
    }
    return BenchResult(NAME, figures, details)
