"""Live events to 1,000 open pages: delivery latency, server CPU and memory; one web process and two behind Redis.

Every server is ``deskpulse serve --web-only`` in a child process on a store filled by a real sync (2,000 open
tickets; 200 with ``--quick``, which also opens 100 streams instead of 1,000). The clients are raw asyncio sockets
in this process (``sse_crowd.py``), spread evenly over the servers, all asking for ``/api/stream?topics=sources``
with a viewer key. Three set-ups:

* **one process, no Redis**: the store changes (this process commits a new ``last_ok_at`` for the source, as a
  sync cycle does) and the server's store watch (one query a second) turns it into a ``source.synced`` event;
  latency = commit -> arrival at the client;
* **one process, Redis**: this process publishes events through ``RedisBus`` exactly as a worker does right
  after its commit; latency = publish -> arrival;
* **two processes, Redis**: the same, half the clients on each process (Redis fans out to both).

Server CPU is read from ``/proc`` through psutil (user + system) around each phase: connecting the streams, an
idle window (heartbeats), the events. RSS is read with every stream open. The baseline is the page's old habit of
polling ``GET /api/dashboard`` every 30 s: its staleness is computed (a change waits 15 s on average, 28.5 s at
p95), its CPU cost is measured on the same server (sequential requests, per-minute view cache as in production).
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import psutil
from sqlalchemy import select

from common import (
    BENCH_RATE_LIMIT,
    DESKPULSE,
    MIB,
    BenchResult,
    Figure,
    FilledStore,
    Workspace,
    child_env,
    free_port,
    percentile,
    wait_http,
)
from deskpulse.live.events import EVERYONE, LiveEvent
from deskpulse.live.redis_bus import RedisBus
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from sse_crowd import Crowd

NAME = "live"
CLIENTS = 1_000
SMALL_TICKETS = 2_000
REDIS_URL = os.environ.get("DESKPULSE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
POLL_SECONDS = 30.0  # how often every open page used to fetch /api/dashboard
STREAM_MINUTES = 10.0  # a stream ends after 10 minutes and the browser reconnects (MAX_STREAM_SECONDS)
EVENTS_PER_CYCLE = 3  # what a desk viewer gets per sync cycle that changed something: sources, tickets, metrics
CYCLES_PER_MINUTE = 1.0  # the default poll_seconds is 60
PATH = "/api/stream?topics=sources"
SEQ = re.compile(rb'"seq": (\d+)')
AT = re.compile(rb'"at": "([^"]+)"')


@dataclass(slots=True)
class Measured:
    """One set-up's numbers (seconds, bytes, CPU seconds)."""

    clients: int
    events: int
    latencies: list[float]
    connect_seconds: float
    cpu_connect: float
    cpu_idle_per_second: float
    cpu_per_delivery: float
    rss_idle: int
    rss_streams: int

    @property
    def expected(self) -> int:
        return self.clients * self.events

    def ms(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000 if self.latencies else float("nan")


def _cpu(pids: list[int]) -> float:
    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


def _rss(pids: list[int]) -> int:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids)


async def _measure(
    pids: list[int],
    ports: list[int],
    key: str,
    clients: int,
    pattern: re.Pattern[bytes],
    publish: Callable[[int], Awaitable[bytes]],
    events: int,
    gap: float,
    idle: float,
) -> Measured:
    """Connect the crowd, idle, publish ``events`` ``gap`` seconds apart, wait for every delivery, close."""
    rss_idle = _rss(pids)
    crowd = Crowd(pattern)
    cpu0 = _cpu(pids)
    connect_seconds = await crowd.connect([("127.0.0.1", p) for p in ports], clients, PATH, key)
    cpu1 = _cpu(pids)
    await asyncio.sleep(idle)
    cpu2, t_events = _cpu(pids), time.perf_counter()
    sent: dict[bytes, float] = {}
    for k in range(events):
        started = time.perf_counter()
        sent[await publish(k)] = started
        await asyncio.sleep(gap)
    deadline = time.perf_counter() + 10
    while len(crowd.receipts) < clients * events and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    cpu3, events_seconds = _cpu(pids), time.perf_counter() - t_events
    rss_streams = _rss(pids)
    await crowd.close()
    idle_rate = (cpu2 - cpu1) / idle
    latencies = [at - sent[match] for match, at in crowd.receipts if match in sent]
    delivered = max(1, len(latencies))
    return Measured(
        clients, events, latencies, connect_seconds, cpu1 - cpu0, idle_rate,
        max(0.0, cpu3 - cpu2 - idle_rate * events_seconds) / delivered, rss_idle, rss_streams,
    )  # fmt: skip


def _live_config(ws: Workspace, store: FilledStore) -> Path:
    """The store's config with the per-caller rate limit out of the way: every stream here uses one key."""
    path = ws.root / "live.toml"
    extra = f"\n[auth]\napi_requests_per_minute = {BENCH_RATE_LIMIT}\n"
    path.write_text(store.config_path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def _start_servers(ws: Workspace, store: FilledStore, count: int, redis: bool, tag: str) -> tuple[list[int], list[int]]:
    """``count`` web-only servers on the store; (pids, ports)."""
    config = _live_config(ws, store)
    env = child_env(store.database_url)
    if redis:
        env["DESKPULSE_REDIS_URL"] = REDIS_URL
    children, ports = [], []
    for i in range(count):
        port = free_port()
        args = [DESKPULSE, "serve", "--web-only", "--port", str(port), "--config", str(config)]
        children.append(ws.spawn(f"live-{tag}-{i}", args, env))
        ports.append(port)
    for child, port in zip(children, ports, strict=True):
        wait_http(f"http://127.0.0.1:{port}/healthz", child)
    return [c.pid for c in children], ports


def _poll_cost(port: int, pid: int, key: str, requests: int) -> float:
    """Server CPU seconds per ``GET /api/dashboard`` (after a warm-up), as every open page used to poll."""
    with httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=60) as client:
        for _ in range(5):
            client.get("/api/dashboard").raise_for_status()
        before = _cpu([pid])
        for _ in range(requests):
            client.get("/api/dashboard").raise_for_status()
        return (_cpu([pid]) - before) / requests


def _store_changes(store: FilledStore) -> tuple[Callable[[int], Awaitable[bytes]], Callable[[], None]]:
    """A publish function that commits a new sync time for the store's source (what the store watch sees)."""
    db = Database(store.database_url)

    async def commit(_: int) -> bytes:
        now = datetime.now(UTC)
        with db.session() as session:
            row = session.scalars(select(SourceRow)).one()
            row.last_ok_at = row.last_attempt_at = now
        return now.isoformat().encode()

    return commit, db.dispose


def _redis_publisher(bus: RedisBus) -> Callable[[int], Awaitable[bytes]]:
    async def publish(k: int) -> bytes:
        await bus.publish(LiveEvent("sources", "bench.ping", EVERYONE, {"seq": k}, datetime.now(UTC)))
        return str(k).encode()

    return publish


def _redis_up() -> bool:
    parts = urlsplit(REDIS_URL)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 6379)) == 0


def _enough_files(streams: int) -> None:
    """Both ends of every stream need a file descriptor: raise this process's soft limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * streams + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard)
        )


async def _run_all(ws: Workspace, store: FilledStore, results: dict[str, Measured], extra: dict[str, float]) -> None:
    clients = ws.scale(CLIENTS)
    idle = 3.0 if ws.quick else 16.0  # 16 s: one heartbeat round (every 15 s) falls inside the window
    pids, ports = _start_servers(ws, store, 1, redis=False, tag="watch")
    commit, dispose = _store_changes(store)
    try:
        events = 3 if ws.quick else 10
        # Commits 2.5 s apart: the watch looks once a second, so each commit is its own event.
        results["watch"] = await _measure(pids, ports, store.api_key, clients, AT, commit, events, 2.5, idle)
        if not results["watch"].latencies:
            raise RuntimeError("no store-watch event matched a commit time")
        extra["poll_cpu"] = _poll_cost(ports[0], pids[0], store.api_key, 50 if ws.quick else 300)
    finally:
        dispose()
    if not _redis_up():
        return
    for count in (1, 2):
        pids, ports = _start_servers(ws, store, count, redis=True, tag=f"redis{count}")
        bus = RedisBus(REDIS_URL)
        try:
            events = 8 if ws.quick else 30
            results[f"redis{count}"] = await _measure(
                pids, ports, store.api_key, clients, SEQ, _redis_publisher(bus), events, 0.5, idle
            )
        finally:
            await bus.aclose()


def _sse_cpu_per_minute(m: Measured) -> float:
    """Server CPU seconds per minute for the streams, at a realistic rate: heartbeats, one changing sync cycle a
    minute (three events per desk viewer) and the reconnects of streams that end after 10 minutes."""
    deliveries = m.clients * EVENTS_PER_CYCLE * CYCLES_PER_MINUTE
    reconnects = m.clients / STREAM_MINUTES
    return m.cpu_idle_per_second * 60 + deliveries * m.cpu_per_delivery + reconnects * m.cpu_connect / m.clients


def run(ws: Workspace) -> BenchResult:
    """The ``live`` benchmark."""
    _enough_files(ws.scale(CLIENTS))
    store = ws.filled_store(ws.scale(SMALL_TICKETS))
    results: dict[str, Measured] = {}
    extra: dict[str, float] = {}
    asyncio.run(_run_all(ws, store, results, extra))
    clients = ws.scale(CLIENTS)
    tabs = f"{clients:,} tabs"
    stale_p50, stale_p95 = POLL_SECONDS / 2 * 1000, POLL_SECONDS * 0.95 * 1000
    baseline_note = f"baseline COMPUTED: a tab polling /api/dashboard every {POLL_SECONDS:.0f} s sees a change"
    figures: list[Figure] = []
    labels = {
        "watch": ("1 process, no Redis (store watch)", "commit -> client"),
        "redis1": ("1 process, Redis", "publish -> client"),
        "redis2": ("2 processes, Redis fan-out", "publish -> client"),
    }
    for key, (label, span) in labels.items():
        m = results.get(key)
        if m is None:
            continue
        work = (
            f"{clients:,} SSE streams (raw sockets, one client process), {m.events} events, "
            f"{store.open_tickets:,}-ticket SQLite store, loopback"
        )
        got = f"{len(m.latencies):,} of {m.expected:,} deliveries arrived; {span}"
        figures += [
            Figure(f"live: delivery p50, {label}", m.ms(50), "ms", work, stale_p50,
                   note=f"{got}; {baseline_note} {stale_p50 / 1000:.0f} s late on average"),
            Figure(f"live: delivery p95, {label}", m.ms(95), "ms", work, stale_p95,
                   note=f"{baseline_note} {stale_p95 / 1000:.1f} s late at p95"),
            Figure(f"live: server RSS with {clients:,} streams, {label}", m.rss_streams / MIB, "MiB", work,
                   note=f"before the streams: {m.rss_idle / MIB:.0f} MiB, so "
                        f"{(m.rss_streams - m.rss_idle) / clients / 1024:.1f} KiB per stream (summed over processes)"),
            Figure(f"live: server CPU per event to {clients:,} streams, {label}", m.cpu_per_delivery * clients * 1000,
                   "ms", work, note=f"idle (heartbeats): {m.cpu_idle_per_second * 1000:.1f} ms CPU per second; "
                   f"connecting all streams took {m.connect_seconds:.2f} s and {m.cpu_connect:.2f} s CPU"),
        ]  # fmt: skip
    poll_cpu = extra.get("poll_cpu")
    m = results.get("redis1") or results.get("watch")
    polls_per_minute = clients * 60 / POLL_SECONDS
    figures.append(
        Figure(f"live: requests per minute, {tabs}", clients / STREAM_MINUTES, "req/min",
               f"{tabs} open; streams end every {STREAM_MINUTES:.0f} min and reconnect",
               polls_per_minute, note=f"COMPUTED; baseline = every tab polling every {POLL_SECONDS:.0f} s")
    )  # fmt: skip
    if poll_cpu is not None and m is not None:
        figures.append(
            Figure(f"live: server CPU per minute, {tabs} kept current", _sse_cpu_per_minute(m), "s/min",
                   f"{tabs}, one changing sync cycle a minute ({EVENTS_PER_CYCLE} events per tab)",
                   polls_per_minute * poll_cpu,
                   note=f"MODEL from measured parts: heartbeats + deliveries + reconnects of the "
                        f"{'Redis' if 'redis1' in results else 'store-watch'} set-up; baseline = "
                        f"{polls_per_minute:,.0f} polls/min x {poll_cpu * 1000:.2f} ms CPU per /api/dashboard "
                        f"(measured, view cache as in production)")
        )  # fmt: skip
    if "redis1" not in results:
        figures.append(Figure("live: Redis set-ups", 0, "skipped", f"Redis not reachable at {REDIS_URL}"))
    details = {
        key: {
            "clients": m.clients, "events": m.events, "delivered": len(m.latencies), "p50_ms": m.ms(50),
            "p95_ms": m.ms(95), "p99_ms": m.ms(99), "max_ms": max(m.latencies, default=0) * 1000,
            "connect_seconds": m.connect_seconds, "cpu_connect": m.cpu_connect,
            "cpu_idle_per_second": m.cpu_idle_per_second, "cpu_per_delivery": m.cpu_per_delivery,
            "rss_idle": m.rss_idle, "rss_streams": m.rss_streams,
        }
        for key, m in results.items()
    }  # fmt: skip
    details["poll_cpu_per_request"] = poll_cpu
    return BenchResult(NAME, figures, details)
