"""Figure 7: the service-desk metrics API (``/api/dashboard/metrics``, ``/api/dashboard/sla/violations``).

The store (bench/desk_metrics_setup.py): 50,000 open tickets (5,000 with ``--quick``) and 20,000 closed in the
last 30 days (2,000), spread over 300 clients (30), each with its own ``[sla.clients]`` calendar and some with
their own targets, so every client's calendar is a separate timeline; 15% of the open tickets carry a
waiting-on-customer history and take the full, auditable clock.

* latency: one app (``create_app(config, db=db)``) driven in-process through ``httpx2.ASGITransport`` with an
  admin API key, as bench/auth_overhead.py does, time frozen with time-machine. "cold": the clock is moved to
  the next minute before every request, so the per-minute evaluated-ticket cache misses (what the first request
  of every minute pays); "warm": the same minute, cache hit (figures, trends and JSON are still built per
  request). Sequential requests, the two endpoints interleaved; p50/p95 and the body size (no compression).
* where a cold request goes: every stage timed by wrapping the handler's own functions (store read + SLA
  evaluation, directory names, figures, trends, response validation + JSON, the rest of the stack).
* SLA evaluation throughput: ``load_sla_tickets`` (SQL + both clocks of every ticket), then, on the exact
  ``(TargetInput, transitions)`` it evaluated (recorded), ``Evaluator.evaluate`` on the shared per-calendar
  timelines against the full auditable clock ``sla_clock`` on the same inputs, in the same process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import fastapi.routing
import httpx2
import psutil
import time_machine

from common import MIB, BenchResult, Figure, Workspace, percentile
from desk_metrics_setup import NOW, MetricsStore, Workload, fill_store
from deskpulse.auth import apikeys
from deskpulse.auth.roles import Role
from deskpulse.auth.users import create_user, principal_for_user
from deskpulse.domain.sla import sla_clock
from deskpulse.domain.sla.clock import Transition
from deskpulse.domain.sla.evaluate import Evaluator, TargetInput, TargetResult
from deskpulse.domain.sla.timeline import BusinessTimeline
from deskpulse.metrics import figures, sla_tickets
from deskpulse.store.db import Database
from deskpulse.web.api import desk_metrics
from deskpulse.web.app import create_app

NAME = "metrics"
FULL = Workload(open_tickets=50_000, closed_tickets=20_000, clients=300)
QUICK = Workload(open_tickets=5_000, closed_tickets=2_000, clients=30)
METRICS, VIOLATIONS = "/api/dashboard/metrics", "/api/dashboard/sla/violations"
TARGET_MS = 2000.0  # the cold-minute p50 the brief asks for at 50,000 tickets
GC = "of which garbage collection"
Recorded = list[tuple[Evaluator, TargetInput, tuple[Transition, ...]]]


def admin_key(db: Database) -> str:
    """An admin's API key, created at the frozen ``NOW``."""
    with db.session() as session:
        admin = create_user(session, email="bench-admin@example.test", role=Role.ADMIN, now=NOW)
        creator = principal_for_user(session, admin)
        _, key = apikeys.create(session, creator=creator, name="bench", role=Role.ADMIN, clients=None, now=NOW)
    return key


class Stages:
    """Seconds spent in named functions of the request path, per request (wrappers patched in while timing)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._gc_started = 0.0

    def _gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.seconds["gc"] += time.perf_counter() - self._gc_started

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed

    def wrap_async(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started

        return timed

    @contextmanager
    def patched(self) -> Iterator[None]:
        targets = [
            (desk_metrics, "evaluated"), (desk_metrics, "load_sla_tickets"), (desk_metrics, "directory_names"),
            (desk_metrics, "metrics_data"), (desk_metrics, "trend_block"), (figures, "violations"),
        ]  # fmt: skip
        with ExitStack() as stack:
            for module, attr in targets:
                stack.enter_context(patch.object(module, attr, self.wrap(attr, getattr(module, attr))))
            serialize = fastapi.routing.serialize_response
            stack.enter_context(patch.object(fastapi.routing, "serialize_response", self.wrap_async("json", serialize)))
            gc.callbacks.append(self._gc)
            stack.callback(gc.callbacks.remove, self._gc)
            yield


def breakdown(path: str, total: float, s: dict[str, float]) -> dict[str, float]:
    """One request's seconds per stage, in ms; the stages add up to ``total``."""
    evaluated = s.get("evaluated", 0.0)
    out = {
        "store read + SLA evaluation (load_sla_tickets)": s.get("load_sla_tickets", 0.0),
        "directory names": s.get("directory_names", 0.0),
        "other cache-miss work": evaluated - s.get("load_sla_tickets", 0.0) - s.get("directory_names", 0.0),
    }
    if path == METRICS:
        handler = s.get("metrics_data", 0.0)
        out["figures"] = handler - evaluated - s.get("trend_block", 0.0)
        out["trends + forecast"] = s.get("trend_block", 0.0)
    else:
        handler = evaluated + s.get("violations", 0.0)
        out["violations list"] = s.get("violations", 0.0)
    out["response validation + JSON"] = s.get("json", 0.0)
    out["auth, routing, rest of the stack"] = total - handler - s.get("json", 0.0)
    out[GC] = s.get("gc", 0.0)  # pauses inside the stages above, not a stage of its own
    return {k: v * 1000 for k, v in out.items()}


async def time_requests(app: Any, key: str, cold_rounds: int, warm_rounds: int) -> dict[str, Any]:
    """Cold (minute moved on before each request) and warm timings of both endpoints, interleaved."""
    samples: dict[str, list[float]] = {f"{kind} {p}": [] for kind in ("cold", "warm") for p in (METRICS, VIOLATIONS)}
    stages: dict[str, list[dict[str, float]]] = {METRICS: [], VIOLATIONS: []}
    last: dict[str, bytes] = {}  # parsed once at the end: a client would not hold 40k parsed items in our heap
    minute = 0
    transport = httpx2.ASGITransport(app=app)
    headers = {"X-API-Key": key}
    rss_before = psutil.Process().memory_info().rss
    with time_machine.travel(NOW, tick=False) as traveller:
        async with httpx2.AsyncClient(transport=transport, base_url="http://deskpulse.bench", headers=headers,
                                      timeout=600) as client:  # fmt: skip

            async def get(path: str) -> float:
                started = time.perf_counter()
                resp = await client.get(path)
                elapsed = time.perf_counter() - started
                if resp.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {resp.status_code}: {resp.text[:300]}")
                last[path] = resp.content
                return elapsed

            for index in range(1 + cold_rounds):  # round 0 warms imports and calendar caches, untimed
                for path in (METRICS, VIOLATIONS) if index % 2 else (VIOLATIONS, METRICS):
                    minute += 1
                    traveller.move_to(NOW + timedelta(minutes=minute))
                    if index == 0:
                        await get(path)
                        continue
                    stage = Stages()
                    with stage.patched():
                        elapsed = await get(path)
                    samples[f"cold {path}"].append(elapsed)
                    stages[path].append(breakdown(path, elapsed, stage.seconds))
            traveller.move_to(NOW + timedelta(minutes=minute + 1))
            await get(METRICS)  # fills this minute's cache
            for index in range(warm_rounds):
                for path in (METRICS, VIOLATIONS) if index % 2 else (VIOLATIONS, METRICS):
                    samples[f"warm {path}"].append(await get(path))
    cache = getattr(app.state, "sla_cache", None)
    memory = {"rss_before": rss_before, "rss_after": psutil.Process().memory_info().rss,
              "cached_views": len(getattr(cache, "_items", ())), "minutes": minute + 1}  # fmt: skip
    sizes = {path: len(body) for path, body in last.items()}
    bodies = {path: json.loads(body)["data"] for path, body in last.items()}
    return {"samples": samples, "stages": stages, "sizes": sizes, "bodies": bodies, "memory": memory}


def median_stages(rows: list[dict[str, float]]) -> dict[str, float]:
    return {name: statistics.median(r[name] for r in rows) for name in rows[0]}


def record_inputs(store: MetricsStore, db: Database, runs: int = 3) -> tuple[list[float], int, Recorded]:
    """``load_sla_tickets`` as the endpoint calls it: seconds of ``runs`` runs (after an untimed one), tickets,
    and every (evaluator, target, transitions) it evaluated, recorded in one more run."""
    config = store.config
    pausing = frozenset(config.sla.pausing)
    recorded: Recorded = []
    original = Evaluator.evaluate

    def recording(self: Evaluator, item: TargetInput, transitions: Any = ()) -> TargetResult:
        recorded.append((self, item, tuple(transitions)))
        return original(self, item, transitions)

    def load() -> list[sla_tickets.SlaTicket]:
        return sla_tickets.load_sla_tickets(session, [store.source_id], None, config.sla_policy, pausing,
                                            now=NOW, since=NOW - timedelta(days=30))  # fmt: skip

    seconds: list[float] = []
    with db.session() as session:
        load()  # holiday tables and calendar day caches, as after the first request of a process
        for _ in range(runs):
            started = time.perf_counter()
            count = len(load())
            seconds.append(time.perf_counter() - started)
        with patch.object(Evaluator, "evaluate", recording):
            load()
    return seconds, count, recorded


def _paused(ev: Evaluator, transitions: tuple[Transition, ...]) -> bool:
    return any(t.status is True or (not isinstance(t.status, bool) and t.status in ev.pausing) for t in transitions)


def _full_clock(ev: Evaluator, item: TargetInput, transitions: tuple[Transition, ...]) -> Any:
    return sla_clock(
        created_at=item.created_at, calendar=ev.timeline.calendar, target=item.target, now=ev.now,
        transitions=transitions, completed_at=item.completed_at, vendor_due_at=item.vendor_due_at,
        pausing=ev.pausing, at_risk=ev.rule,
    )  # fmt: skip


def compare_clocks(recorded: Recorded) -> dict[str, Any]:
    """Seconds of ``Evaluator.evaluate`` and of ``sla_clock`` on the same inputs (best of 2), per path, and how
    many results disagree."""
    out: dict[str, Any] = {}
    mismatches = 0
    for name, paused in (("no pause", False), ("paused", True)):
        items = [r for r in recorded if _paused(r[0], r[2]) is paused]
        fast = slow = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            ours = [ev.evaluate(item, transitions) for ev, item, transitions in items]
            fast = min(fast, time.perf_counter() - started)
            started = time.perf_counter()
            full = [_full_clock(ev, item, transitions) for ev, item, transitions in items]
            slow = min(slow, time.perf_counter() - started)
        mismatches += sum(
            (a.state, a.due_at, a.remaining_seconds) != (b.state, b.due_at, b.remaining_seconds)
            for a, b in zip(ours, full, strict=True)
        )
        out[name] = {"targets": len(items), "evaluate_s": fast, "sla_clock_s": slow}
    out["all"] = {k: out["no pause"][k] + out["paused"][k] for k in ("targets", "evaluate_s", "sla_clock_s")}
    out["mismatches"] = mismatches
    # What the shared timelines cost to build at every cache miss (one per distinct calendar).
    calendars = {id(ev.timeline.calendar): ev.timeline.calendar for ev, _, _ in recorded}
    started = time.perf_counter()
    for calendar in calendars.values():
        BusinessTimeline(calendar, NOW - sla_tickets.TIMELINE_PAST, NOW + sla_tickets.TIMELINE_FUTURE)
    out["timelines"] = {"count": len(calendars), "build_s": time.perf_counter() - started}
    return out


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(samples, 50) * 1000, "p95_ms": percentile(samples, 95) * 1000,
            "max_ms": max(samples) * 1000, "samples": len(samples)}  # fmt: skip


def run(ws: Workspace) -> BenchResult:
    """Fill the store, time both endpoints cold and warm, then the SLA evaluation throughput."""
    workload = QUICK if ws.quick else FULL
    cold_rounds, warm_rounds = (4, 10) if ws.quick else (11, 30)
    load_before = os.getloadavg()  # the machine may be shared: a busy one shows here
    store = fill_store(ws.root, workload)
    db = Database(store.config.database_url)
    try:
        key = admin_key(db)
        timed = asyncio.run(time_requests(create_app(store.config, db=db), key, cold_rounds, warm_rounds))
        gc.collect()  # the app and its cached views are gone; the throughput runs start from a small heap
        runs, evaluated, recorded = record_inputs(store, db)
    finally:
        db.dispose()
    clocks = compare_clocks(recorded)
    return BenchResult(NAME, figures_of(store, timed, runs, evaluated, clocks), {
        "workload": asdict(store.workload), "fill_seconds": store.seconds, "store": store.counts,
        "latency": {k: summary(v) for k, v in timed["samples"].items()}, "bytes": timed["sizes"],
        "memory": timed["memory"],
        "cold_stages_ms": {p: median_stages(rows) for p, rows in timed["stages"].items()},
        "load_sla_tickets_s": runs, "evaluated_tickets": evaluated, "clocks": clocks,
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
    })  # fmt: skip


def _stage_note(stages: dict[str, float]) -> str:
    parts = {name: ms for name, ms in stages.items() if name != GC}
    total = sum(parts.values())
    text = "; ".join(f"{name} {ms:,.0f} ms ({100 * ms / total:.0f}%)" for name, ms in parts.items() if ms >= 0.5)
    return f"{text} ({GC}: {stages[GC]:,.0f} ms)"


def figures_of(
    store: MetricsStore, timed: dict[str, Any], runs: list[float], evaluated: int, clocks: dict[str, Any]
) -> list[Figure]:
    """The rows of the results table."""
    w, n = store.workload, f"{store.workload.open_tickets:,}"
    lat = {k: summary(v) for k, v in timed["samples"].items()}
    overview, violations = timed["bodies"][METRICS]["overview"], timed["bodies"][VIOLATIONS]
    if overview["openTickets"] != w.open_tickets:
        raise RuntimeError(f"the metrics report {overview['openTickets']} open tickets, not {w.open_tickets}")
    listed = f"{len(violations['atRisk']):,} at risk + {len(violations['breached']):,} breached listed"
    workload = (
        f"{n} open + {w.closed_tickets:,} closed (30 d) tickets, {w.clients} clients each with its own calendar, "
        f"SQLite file, in-process httpx2.ASGITransport, admin API key, time frozen"
    )
    cold_w = f"{workload}, minute moved on before each of {lat[f'cold {METRICS}']['samples']} requests (cache miss)"
    warm_w = f"{workload}, {lat[f'warm {METRICS}']['samples']} requests in one minute (evaluated-ticket cache hit)"
    stages = {p: median_stages(rows) for p, rows in timed["stages"].items()}
    target = f"baseline column = the {TARGET_MS / 1000:.0f} s target; median stages: "
    out: list[Figure] = []
    for path, label in ((METRICS, "metrics"), (VIOLATIONS, "sla/violations")):
        cold, warm = lat[f"cold {path}"], lat[f"warm {path}"]
        note = target + _stage_note(stages[path])
        if path == VIOLATIONS:
            note += f"; {listed}"
        out += [
            Figure(f"/api/dashboard/{label} p50 @{n}, cold minute", cold["p50_ms"], "ms", cold_w, TARGET_MS,
                   note=note),
            Figure(f"/api/dashboard/{label} p95 @{n}, cold minute", cold["p95_ms"], "ms", cold_w),
            Figure(f"/api/dashboard/{label} p50 @{n}, warm (cache hit)", warm["p50_ms"], "ms", warm_w),
            Figure(f"/api/dashboard/{label} p95 @{n}, warm (cache hit)", warm["p95_ms"], "ms", warm_w),
            Figure(f"/api/dashboard/{label} response size @{n}", timed["sizes"][path], "bytes", warm_w,
                   note=f"uncompressed JSON{'; ' + listed if path == VIOLATIONS else ''}"),
        ]  # fmt: skip
    mem = timed["memory"]
    out.append(
        Figure(f"metrics API process RSS @{n}, after the timed requests", mem["rss_after"] / MIB, "MiB",
               f"{workload}, all the requests above ({mem['minutes']} minutes)",
               note=f"{mem['rss_before'] / MIB:,.0f} MiB before them; the evaluated-ticket cache then held "
               f"{mem['cached_views']} views (one per minute; {mem['minutes']} minutes were requested)")
    )  # fmt: skip
    load_s = statistics.median(runs)
    paused = clocks["paused"]["targets"]
    all_, plain = clocks["all"], clocks["no pause"]
    tl = clocks["timelines"]
    eval_w = (
        f"{all_['targets']:,} targets ({paused:,} with a pause) of {evaluated:,} tickets, {tl['count']} calendars, "
        f"same inputs, same process"
    )
    out += [
        Figure(f"SLA: load_sla_tickets @{n}", evaluated / load_s, "tickets/s",
               f"{evaluated:,} tickets (open + closed in 30 d), both clocks each; median of {len(runs)} runs",
               higher_is_better=True,
               note=f"{load_s * 1000:,.0f} ms per call: evaluating the targets {all_['evaluate_s'] * 1000:,.0f} ms, "
               f"building {tl['count']} timelines {tl['build_s'] * 1000:,.0f} ms, the rest SQL, row decoding and "
               "SlaTicket building"),
        Figure(f"SLA: Evaluator.evaluate @{n}", all_["targets"] / all_["evaluate_s"], "targets/s", eval_w,
               all_["targets"] / all_["sla_clock_s"], higher_is_better=True,
               note=f"baseline = sla_clock (the full auditable clock) on the same inputs; paused targets take "
               f"sla_clock in both; results disagree on {clocks['mismatches']} targets (state, due, remaining)"),
        Figure(f"SLA: Evaluator.evaluate @{n}, targets never paused", plain["targets"] / plain["evaluate_s"],
               "targets/s", eval_w, plain["targets"] / plain["sla_clock_s"], higher_is_better=True,
               note="baseline = sla_clock on the same never-paused targets (the fast path's own comparison)"),
        Figure(f"SLA: Evaluator.evaluate @{n}, incl. building the timelines",
               all_["targets"] / (all_["evaluate_s"] + tl["build_s"]), "targets/s", eval_w,
               all_["targets"] / all_["sla_clock_s"], higher_is_better=True,
               note=f"the {tl['count']} per-calendar timelines are rebuilt at every cache miss"),
    ]  # fmt: skip
    return out
