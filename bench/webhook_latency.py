"""Webhook-to-board latency against poll-only latency, with the Trengo simulator over real HTTP.

Set-up: the Trengo simulator (``python -m deskpulse.simulators.serve``, child process; 2,000 open tickets, 200 with
``--quick``), the deskpulse app with ``run_sync=True`` in a uvicorn thread of this process, its Trengo source pointing
at the simulator with ``webhook_secret`` = the signing secret of a ``TICKET_ASSIGNED`` webhook registered at the
simulator, and one SSE client (``sse_crowd.Crowd``, a manager's API key) on ``/api/stream?topics=tickets``. A change
is a reassignment through the simulator's API (``POST /api/v2/tickets/{id}/assign``) of a ticket not changed before;
latency = the simulator's answer to that call -> arrival of the ``tickets.changed`` event naming the ticket.

* (a) webhook, ``poll_seconds`` 60: right after the change this process posts the signed callout Trengo would send
  (the simulator's callout builder) to ``/hooks/trengo/<source>``, as Trengo does within a second or so. Every sample
  falls between two cycles, so its event is the targeted refresh's (cause ``webhook``). The receiver's 202 is timed.
* (b) poll-only, no callout. Rather than N x 60 s of waiting, a second app on a copy of the store polls every 5 s
  (the shortest allowed) while changes land at random moments over a few cycles. MEASURED: cycle start -> event for
  every cycle (fetch all active tickets, commit, publish, deliver; the event's ``at`` is the cycle's start).
  COMPUTED: at 60 s a change waits U(0, 60 s) for the next cycle, so latency = that wait + a measured cycle -> event
  time (percentiles of that mixture). The changes' own latency at 5 s is measured too, as a check of the model.

The store is synced twice before the apps start (open set, then the closed backfill), so each measured cycle is a
steady one. Rate limits are out of the way (5 s cycles would be paced otherwise); a steady cycle needs open/25 + a few
requests, far below Trengo's 120/min at 60 s, so its duration is what a real 60 s cycle takes against this simulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from sqlalchemy import select

from common import (
    BENCH_RATE_LIMIT,
    SIM_TOKEN,
    SOURCE_NAME,
    STARTUP_TIMEOUT,
    BenchResult,
    Figure,
    Workspace,
    free_port,
    percentile,
    wait_http,
)
from deskpulse.auth import apikeys
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user, principal_for_user
from deskpulse.clock import utcnow
from deskpulse.config import Config, SourceConfig
from deskpulse.connectors.registry import build_connector
from deskpulse.simulators.trengo_webhooks import TrengoWebhooks
from deskpulse.store.db import Database
from deskpulse.store.tables import SourceRow
from deskpulse.sync.engine import SyncEngine
from deskpulse.web.app import create_app, prepare_store
from sse_crowd import Crowd

NAME = "webhooks"
OPEN_TICKETS = 2_000
HISTORY_DAYS = 14  # closed tickets behind the open ones; only the backfill before the apps start reads them
REAL_POLL = 60.0  # the default poll_seconds
SHORT_POLL = 5.0  # the shortest poll_seconds the settings allow
EVENT = "TICKET_ASSIGNED"
DATA = re.compile(rb"data: (\{.*\})")
EVENT_TIMEOUT = 15.0


@dataclass(slots=True)
class Arrival:
    """One ``tickets.changed`` event as the SSE client received it."""

    data: dict[str, Any]
    perf: float  # time.perf_counter() at arrival
    wall: float  # the same moment as a Unix time


@dataclass(slots=True)
class Inbox:
    """The ``tickets.changed`` events of one stream, parsed as they come."""

    crowd: Crowd
    wall_offset: float = field(default_factory=lambda: time.time() - time.perf_counter())
    arrivals: list[Arrival] = field(default_factory=list)
    _seen: int = 0

    def _parse(self) -> None:
        for raw, perf in self.crowd.receipts[self._seen :]:
            data = json.loads(raw)
            if data.get("type") == "tickets.changed":
                self.arrivals.append(Arrival(data, perf, perf + self.wall_offset))
        self._seen = len(self.crowd.receipts)

    async def first_naming(self, ticket: int, timeout: float = EVENT_TIMEOUT) -> Arrival:
        """The first event whose ids include ``ticket`` (waiting up to ``timeout`` seconds for it)."""
        deadline = time.perf_counter() + timeout
        while True:
            self._parse()
            for arrival in self.arrivals:
                if str(ticket) in arrival.data.get("ids", []):
                    return arrival
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no tickets.changed event named ticket {ticket} within {timeout:.0f} s")
            await asyncio.sleep(0.002)


class ServedApp:
    """The deskpulse app (syncing) served by uvicorn on a loopback port in a thread of this process."""

    def __init__(self, config: Config, port: int) -> None:
        self.db = Database(config.database_url)
        self.port = port
        app = create_app(config, db=self.db, run_sync=True)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, name="bench-webhooks-app", daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the deskpulse app did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.db.dispose()

    def source_row(self) -> SourceRow:
        """The source's row as the store has it now (health of the last cycle, next run)."""
        with self.db.session() as session:
            row = session.scalars(select(SourceRow)).one()
            session.expunge(row)
            return row

    def wait_first_cycle(self, timeout: float = 120.0) -> None:
        """Block until the app's scheduler has finished its first cycle (it schedules the next one)."""
        deadline = time.monotonic() + timeout
        while self.source_row().next_run_at is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the app's first sync cycle did not finish")
            time.sleep(0.05)


@dataclass(slots=True)
class Desk:
    """The simulator as this benchmark drives it: tickets to change, agents to assign, the webhook secret."""

    url: str
    tickets: list[tuple[int, int | None]]  # (id, current user_id) of ASSIGNED tickets, none changed yet
    users: list[int]
    secret: str  # the webhook's signing secret
    builder: TrengoWebhooks = field(default_factory=TrengoWebhooks)

    def next_ticket(self) -> tuple[int, int]:
        """A ticket not changed before, and the agent it goes to next."""
        ticket, current = self.tickets.pop(0)
        return ticket, next(u for u in self.users if u != current)


def _api(sim_url: str) -> httpx2.Client:
    return httpx2.Client(base_url=f"{sim_url}/api/v2", headers={"Authorization": f"Bearer {SIM_TOKEN}"}, timeout=30)


def _desk(sim_url: str, hook_url: str, needed: int) -> Desk:
    """Register a TICKET_ASSIGNED webhook aimed at ``hook_url``; list ``needed`` assigned tickets and the agents."""
    with _api(sim_url) as api:
        resp = api.post("/webhooks", json={"name": "deskpulse bench", "type": EVENT, "url": hook_url})
        resp.raise_for_status()
        secret = str(resp.json()["signing_secret"])
        users = sorted(u["id"] for u in api.get("/users").json()["data"])
        tickets: list[tuple[int, int | None]] = []
        page = 1
        while len(tickets) < needed:
            body = api.get("/tickets", params={"status": "ASSIGNED", "page": page}).json()
            tickets += [(t["id"], t["user_id"]) for t in body["data"]]
            if body["links"]["next"] is None:
                break
            page += 1
    if len(tickets) < needed:
        raise RuntimeError(f"the simulator has {len(tickets)} assigned tickets; the benchmark changes {needed}")
    return Desk(sim_url, tickets, users, secret)


def _config(db_path: Path, sim_url: str, secret: str, poll: float) -> Config:
    source = SourceConfig(
        name=SOURCE_NAME, kind="trengo", base_url=f"{sim_url}/api/v2", token=SIM_TOKEN, poll_seconds=poll,
        requests_per_minute=BENCH_RATE_LIMIT, timeout_seconds=60, webhook_secret=[secret],
    )  # fmt: skip
    return Config(database_url=f"sqlite:///{db_path}", sources=[source])


def _prepare_base(config: Config) -> str:
    """Migrate, create a manager's API key, sync twice (open set, then the closed backfill); returns the key."""
    db = Database(config.database_url)
    key: str
    try:
        prepare_store(db, config)
        now = utcnow()
        with db.session() as session:
            user = create_user(session, email="bench-manager@example.test", role=Role.MANAGER, now=now)
            creator = principal_for_user(session, user)
            _, key = apikeys.create(session, creator=creator, name="bench", role=Role.MANAGER, clients=None, now=now)

        async def two_cycles() -> None:
            source = config.sources[0]
            engine = SyncEngine(db, config, source, build_connector(source))
            try:
                for _ in range(2):
                    result = await engine.run_cycle()
                    if not result.ok:
                        raise RuntimeError(f"preparing the store failed: {result.error}")
            finally:
                await engine.connector.aclose()

        asyncio.run(two_cycles())
    finally:
        db.dispose()
    return key


def _copy_store(base: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(base)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


async def _change(client: httpx2.AsyncClient, desk: Desk) -> tuple[int, float]:
    """Reassign a fresh ticket through the simulator's API; (ticket, perf_counter when the simulator answered)."""
    ticket, user = desk.next_ticket()
    resp = await client.post(f"/tickets/{ticket}/assign", json={"type": "user", "user_id": user})
    resp.raise_for_status()
    return ticket, time.perf_counter()


async def _open_stream(port: int, key: str) -> tuple[Crowd, Inbox]:
    crowd = Crowd(DATA)
    await crowd.connect([("127.0.0.1", port)], 1, "/api/stream?topics=tickets", key)
    return crowd, Inbox(crowd)


@dataclass(slots=True)
class Hooked:
    """(a): per callout, change -> event and the receiver's answer time (seconds); causes of the events."""

    latencies: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    refresh_to_event: list[float] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    cold: float = 0.0


async def _webhook_phase(app: ServedApp, key: str, desk: Desk, samples: int) -> Hooked:
    crowd, inbox = await _open_stream(app.port, key)
    hook_url = f"http://127.0.0.1:{app.port}/hooks/trengo/{SOURCE_NAME}"
    out = Hooked()
    headers = {"Authorization": f"Bearer {SIM_TOKEN}"}
    try:
        async with (
            httpx2.AsyncClient(base_url=f"{desk.url}/api/v2", headers=headers, timeout=30) as sim,
            httpx2.AsyncClient(timeout=30) as vendor,  # Trengo's side of the callout
        ):
            # One callout first, not counted: the process's first one also builds the refresher's connector.
            for i in range(samples + 1):
                ticket, changed = await _change(sim, desk)
                callout_headers, body = desk.builder.callout(EVENT, ticket, secret=desk.secret)
                posted = time.perf_counter()
                resp = await vendor.post(hook_url, content=body, headers=callout_headers)
                answered = time.perf_counter()
                if resp.status_code != 202:
                    raise RuntimeError(f"the receiver answered {resp.status_code}: {resp.text[:200]}")
                arrival = await inbox.first_naming(ticket)
                if i == 0:
                    out.cold = arrival.perf - changed
                    continue
                out.latencies.append(arrival.perf - changed)
                out.answers.append(answered - posted)
                out.causes.append(str(arrival.data.get("cause")))
                at = datetime.fromisoformat(arrival.data["at"]).timestamp()
                out.refresh_to_event.append(arrival.wall - at)
                await asyncio.sleep(0.2)  # callouts one at a time, as single changes on a desk come
    finally:
        await crowd.close()
    return out


@dataclass(slots=True)
class Polled:
    """(b) at ``SHORT_POLL``: per change, change -> event; per cycle, cycle start -> event (seconds)."""

    latencies: list[float] = field(default_factory=list)
    cycle_to_event: list[float] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)


async def _poll_phase(app: ServedApp, key: str, desk: Desk, samples: int, cycles: int, rng: random.Random) -> Polled:
    crowd, inbox = await _open_stream(app.port, key)
    out = Polled()
    window = cycles * SHORT_POLL
    # Stratified: one change at a random moment in each of ``samples`` equal slices, so every cycle gets some.
    offsets = [(i + rng.random()) * window / samples for i in range(samples)]
    headers = {"Authorization": f"Bearer {SIM_TOKEN}"}
    try:
        async with httpx2.AsyncClient(base_url=f"{desk.url}/api/v2", headers=headers, timeout=30) as sim:
            start = time.perf_counter()
            changes = []
            for offset in offsets:
                await asyncio.sleep(max(0.0, start + offset - time.perf_counter()))
                changes.append(await _change(sim, desk))
            cycles_seen: dict[str, float] = {}
            for ticket, changed in changes:
                arrival = await inbox.first_naming(ticket, timeout=SHORT_POLL + EVENT_TIMEOUT)
                out.latencies.append(arrival.perf - changed)
                out.causes.append(str(arrival.data.get("cause")))
                at = arrival.data["at"]
                cycles_seen[at] = arrival.wall - datetime.fromisoformat(at).timestamp()
            out.cycle_to_event = list(cycles_seen.values())
    finally:
        await crowd.close()
    return out


def poll_model(cycle_to_event: list[float], poll: float, pct: float, steps: int = 1_000) -> float:
    """Percentile ``pct`` of U(0, ``poll``) + a measured cycle -> event time: a change lands at a uniformly random
    moment, waits for the next cycle to start, then takes as long as one of the measured cycles."""
    sums = [(k + 0.5) / steps * poll + c for c in cycle_to_event for k in range(steps)]
    return percentile(sums, pct)


def _ms(samples: list[float], pct: float) -> float:
    return percentile(samples, pct) * 1000


def run(ws: Workspace) -> BenchResult:
    """The ``webhooks`` benchmark."""
    open_tickets = ws.scale(OPEN_TICKETS)
    hook_samples = 5 if ws.quick else 20
    poll_samples, poll_cycles = (5, 1) if ws.quick else (20, 6)
    port = free_port()
    args = [sys.executable, "-m", "deskpulse.simulators.serve", "--port", str(port), "--token", SIM_TOKEN]
    args += ["--open-tickets", str(open_tickets), "--history-days", str(HISTORY_DAYS)]
    args += ["--rate-limit", str(BENCH_RATE_LIMIT)]
    sim_child = ws.spawn("webhooks-sim", args)
    sim_url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{sim_url}/_sim/state", sim_child)
        ports = {"hooked": free_port(), "polled": free_port()}
        hook_url = f"http://127.0.0.1:{ports['hooked']}/hooks/trengo/{SOURCE_NAME}"
        desk = _desk(sim_url, hook_url, hook_samples + 1 + poll_samples)
        base = ws.root / "webhooks-base.db"
        key = _prepare_base(_config(base, sim_url, desk.secret, REAL_POLL))
        paths = {name: ws.root / f"webhooks-{name}.db" for name in ports}
        for path in paths.values():
            _copy_store(base, path)

        with ServedApp(_config(paths["hooked"], sim_url, desk.secret, REAL_POLL), ports["hooked"]) as app:
            app.wait_first_cycle()
            hooked = asyncio.run(_webhook_phase(app, key, desk, hook_samples))
        with ServedApp(_config(paths["polled"], sim_url, desk.secret, SHORT_POLL), ports["polled"]) as app:
            app.wait_first_cycle()
            polled = asyncio.run(_poll_phase(app, key, desk, poll_samples, poll_cycles, random.Random(7)))
            last = app.source_row()
    finally:
        ws.release(sim_child)
    return _result(open_tickets, poll_cycles, hooked, polled, last)


def _result(open_tickets: int, cycles: int, hooked: Hooked, polled: Polled, last: SourceRow) -> BenchResult:
    measured = polled.cycle_to_event
    b50, b95 = poll_model(measured, REAL_POLL, 50) * 1000, poll_model(measured, REAL_POLL, 95) * 1000
    check50, check95 = poll_model(measured, SHORT_POLL, 50) * 1000, poll_model(measured, SHORT_POLL, 95) * 1000
    stray = sum(c != "webhook" for c in hooked.causes)
    by_sync = sum(c == "sync" for c in polled.causes)
    work = (
        f"Trengo simulator ({open_tickets:,} open tickets, child process) and deskpulse (uvicorn thread, run_sync, "
        f"SQLite) on loopback HTTP, 1 SSE client (manager key, topics=tickets)"
    )
    hook_work = f"{work}; {len(hooked.latencies)} changes, each followed by its signed callout; poll_seconds 60"
    poll_work = f"{work}; {len(polled.latencies)} changes at random moments over {cycles} cycle(s); poll_seconds 5"
    baseline = (
        f"baseline = (b) poll-only at poll_seconds 60, COMPUTED: U(0, 60 s) wait for the next cycle (they start "
        f"every poll_seconds) + the MEASURED cycle start -> event times of {len(measured)} real cycles"
    )
    cycle_note = (
        f"the last cycle as the store records it: {last.last_cycle_requests} requests, "
        f"{(last.last_cycle_seconds or 0) * 1000:.0f} ms from start to commit"
    )
    figures = [
        Figure("webhooks: change -> SSE event p50, Trengo callout", _ms(hooked.latencies, 50), "ms", hook_work, b50,
               note=f"(a) MEASURED: the simulator answered the change -> the event reached the stream; Trengo's own "
                    f"delay before it sends a callout (a second or so) is not included; {baseline}; "
                    f"{len(hooked.latencies) - stray} of {len(hooked.latencies)} events came from the webhook "
                    f"refresh; first callout after start (not counted) {hooked.cold * 1000:.0f} ms"),
        Figure("webhooks: change -> SSE event p95, Trengo callout", _ms(hooked.latencies, 95), "ms", hook_work, b95,
               note=f"{baseline}; refresh start -> event p50 {_ms(hooked.refresh_to_event, 50):.1f} ms"),
        Figure("webhooks: receiver answer (202) p50", _ms(hooked.answers, 50), "ms", hook_work,
               note=f"POST /hooks/trengo/<source> sent -> 202 received; p95 {_ms(hooked.answers, 95):.2f} ms, "
                    f"max {max(hooked.answers) * 1000:.2f} ms"),
        Figure("webhooks: poll-only cycle start -> SSE event p50", _ms(measured, 50), "ms", poll_work,
               note=f"MEASURED over {len(measured)} cycles (event `at` = cycle start, wall clock); p95 "
                    f"{_ms(measured, 95):.0f} ms; {cycle_note}"),
        Figure("webhooks: poll-only change -> SSE event p50, poll_seconds 5", _ms(polled.latencies, 50), "ms",
               poll_work, note=f"MEASURED (check of the model): p95 {_ms(polled.latencies, 95):,.0f} ms; the model "
                    f"at 5 s predicts p50 {check50:,.0f} ms, p95 {check95:,.0f} ms; {by_sync} of "
                    f"{len(polled.causes)} events came from a sync cycle"),
    ]  # fmt: skip
    details = {
        "open_tickets": open_tickets,
        "webhook": {"latencies": hooked.latencies, "answers": hooked.answers, "causes": hooked.causes,
                    "refresh_to_event": hooked.refresh_to_event, "cold": hooked.cold},
        "poll": {"latencies": polled.latencies, "cycle_to_event": measured, "causes": polled.causes,
                 "model_60_p50_ms": b50, "model_60_p95_ms": b95, "model_5_p50_ms": check50, "model_5_p95_ms": check95},
        "last_cycle": {"requests": last.last_cycle_requests, "seconds": last.last_cycle_seconds},
    }  # fmt: skip
    return BenchResult(NAME, figures, details)
