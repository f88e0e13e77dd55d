"""Monthly service SLIs from the store: a full recompute and an incremental day.

The store (SQLite file, written as the LibreNMS poller writes it): 20,000 devices (2,000 with ``--quick``) in a
redundant tree (2 carrier uplinks, 4 cores needing 1 of the 2 uplinks, distribution pairs needing 1 of 2 cores,
access switches alternately dual-homed to a pair and single-homed, CPEs under one access switch), 5,000 services
(500) on CPEs, a year of outages (200,000 intervals; 20,000), three LibreNMS poller-silent hours and one
maintenance window a month on a core. Seeded, so every run computes the same figures.

* full recompute: a fresh ``UptimeView`` (nothing cached) computes every service's figures for the current
  month up to now (the 18th), as the services API does on its first request: graph history and monitoring read
  from the store, then the engine. Split into store read and computation, each timed on its own.
* incremental day: after a poll that changed only today (an outage today, and the poll state's change record),
  the next minute's report: the days before today come from the view's cache, only today is read, and only
  the services not steadily up today are evaluated (``deskpulse.uptime.incremental``). The median of several
  polls, with the garbage collection they paid. Checked against a full recompute of the same state.
* recompute after a change before today: a poll that added an outage 3 days back, so the days before today are
  read and computed again (the graph and the device list stay kept): what a running server pays then.
* peer baseline, rolling device availability: what a device-uptime dashboard reports for the same month: each
  service's availability is its own customer device's (its CPE's outages only, as LibreNMS's device availability
  shows it), blind to the upstream outages and the redundancy that the dependency-aware SLI follows. Compared on
  the downtime each approach finds and on the services each finds below their target; also timed.
* memory: tracemalloc's peak of Python allocations during a full recompute (a separate run: tracing slows it
  down), and the process's peak RSS at the end.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from common import MIB, BenchResult, Figure, Workspace
from deskpulse.config import ClientConfig, Config
from deskpulse.connectors.librenms import LibreNmsSettings
from deskpulse.domain.sla.hours import Interval
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.store.sources import ensure_source
from deskpulse.store.uptime_graphs import load_history, save_version
from deskpulse.store.uptime_monitoring import load_monitoring
from deskpulse.store.uptime_tables import NmsDeviceRow, NmsOutageRow, NmsUnknownRow
from deskpulse.store.uptime_writes import poll_state
from deskpulse.uptime import Device, GraphVersion, MaintenanceWindow, ParentGroup, Role, Service, service_availability
from deskpulse.web.uptime_period import month_of
from deskpulse.web.uptime_view import Report, UptimeView, gc_paused

NAME = "uptime"
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
CLIENTS = 50
INCREMENTAL_POLLS = 7


@dataclass(frozen=True, slots=True)
class Workload:
    """Sizes of the generated network and history."""

    devices: int
    services: int
    intervals: int


FULL = Workload(devices=20_000, services=5_000, intervals=200_000)
QUICK = Workload(devices=2_000, services=500, intervals=20_000)


def build_graph(w: Workload) -> tuple[GraphVersion, list[str]]:
    """The network as one graph version effective a year ago, and every hostname."""
    devices: dict[str, Device] = {}

    def add(host: str, role: Role, *groups: tuple[int, tuple[str, ...]]) -> None:
        devices[host] = Device(host, tuple(ParentGroup(n, of) for n, of in groups), role)

    uplinks = ("upl-a", "upl-b")
    for host in uplinks:
        add(host, Role.CARRIER)
    cores = [f"core-{i:02d}" for i in range(4)]
    for host in cores:
        add(host, Role.CORE, (1, uplinks))
    n_dist = max(4, w.devices // 500) // 2 * 2
    dists = [f"dist-{i:03d}" for i in range(n_dist)]
    for i, host in enumerate(dists):
        add(host, Role.DISTRIBUTION, (1, (cores[(i // 2) % 4], cores[(i // 2 + 1) % 4])))
    n_access = max(10, w.devices // 50)
    accesses = [f"acc-{i:04d}" for i in range(n_access)]
    for i, host in enumerate(accesses):
        pair = (dists[(i % (n_dist // 2)) * 2], dists[(i % (n_dist // 2)) * 2 + 1])
        add(host, Role.ACCESS, (1, pair) if i % 2 == 0 else (1, pair[:1]))
    n_cpe = w.devices - len(devices)
    for i in range(n_cpe):
        add(f"cpe-{i:05d}", Role.CPE, (1, (accesses[i % n_access],)))
    services = tuple(
        Service(f"svc-{i:05d}", f"c{i % CLIENTS:02d}", f"Internet {i}", f"cpe-{i * n_cpe // w.services:05d}",
                99.9 if i % 5 else 99.95)
        for i in range(w.services)
    )  # fmt: skip
    start = (NOW - YEAR).date()
    windows = tuple(
        MaintenanceWindow(cores[m % 4], datetime(d.year, d.month, 10, 1, tzinfo=UTC),
                          datetime(d.year, d.month, 10, 2, tzinfo=UTC))
        for m in range(12)
        if (d := date(start.year + (start.month + m - 1) // 12, (start.month + m - 1) % 12 + 1, 1))
    )  # fmt: skip
    return GraphVersion(start, devices, services, windows), list(devices)


def outages(hosts: list[str], w: Workload, rng: random.Random) -> list[dict[str, Any]]:
    """``w.intervals`` outages over the year, CPEs more often than the network, never overlapping per device."""
    weights = [1.0 if h.startswith("cpe-") else 3.0 for h in hosts]
    picked = rng.choices(hosts, weights=weights, k=w.intervals)
    by_host: dict[str, list[int]] = {}
    span = int(YEAR.total_seconds())
    for host in picked:
        by_host.setdefault(host, []).append(rng.randrange(span))
    rows = []
    begin = NOW - YEAR
    for host, starts in by_host.items():
        free_from = -1
        for offset in sorted(starts):
            start = max(offset, free_from + 60)
            length = int(min(6 * 3600, rng.expovariate(1 / 900))) + 30
            if start + length >= span:
                continue
            rows.append({"hostname": host, "start": begin + timedelta(seconds=start),
                         "end": begin + timedelta(seconds=start + length)})  # fmt: skip
            free_from = start + length
    return rows


def fill(db: Database, w: Workload) -> tuple[Config, int, dict[str, int]]:
    """Write the network, its outages and poller silences; returns the config, source id and counts."""
    rng = random.Random(5)
    version, hosts = build_graph(w)
    source = LibreNmsSettings(name="nms", base_url="http://nms.test/api/v0", token="t")
    clients = [ClientConfig(id=f"c{i:02d}", name=f"Client {i:02d}") for i in range(CLIENTS)]
    config = Config(database_url=db.url, sources=[source], clients=clients)
    rows = outages(hosts, w, rng)
    since = NOW - YEAR - timedelta(days=30)
    with db.session() as session:
        sync_clients(session, clients)
        sid = ensure_source(session, source).id
        session.execute(insert(NmsDeviceRow), [
            {"source_id": sid, "hostname": h, "status": "up", "stale": False, "disabled": False, "ignored": False,
             "added_at": since, "first_seen_at": since, "last_seen_at": NOW}
            for h in hosts
        ])  # fmt: skip
        for chunk in range(0, len(rows), 20_000):
            session.execute(insert(NmsOutageRow), [{"source_id": sid, **r} for r in rows[chunk : chunk + 20_000]])
        for days_ago in (200, 90, 9):
            start = NOW - timedelta(days=days_ago, hours=3)
            session.add(NmsUnknownRow(source_id=sid, start=start, end=start + timedelta(hours=1), reason="silent"))
        save_version(session, version, fmt="api", now=NOW, created_by="bench")
        poll_state(session, sid)
    return config, sid, {"devices": len(hosts), "services": len(version.services), "intervals": len(rows)}


def _month(config: Config) -> Interval:
    return month_of(NOW.date(), config.tz).interval


def full_recompute(db: Database, config: Config, now: datetime) -> tuple[float, Report]:
    """A fresh view's report of this month: everything read and computed."""
    view = UptimeView(config)
    t0 = time.perf_counter()
    with db.session() as session:
        report = view.report(session, _month(config), now)
    return time.perf_counter() - t0, report


def stages(db: Database, config: Config, sid: int) -> dict[str, float]:
    """Store read (graph history, monitoring) and the engine's computation, each timed on its own (with the
    garbage collector paused, as the view runs them)."""
    period = _month(config)
    with gc_paused(), db.session() as session:
        t0 = time.perf_counter()
        history = load_history(session, config.tz)
        t1 = time.perf_counter()
        monitoring = load_monitoring(session, [sid], period.start, NOW, NOW)
        t2 = time.perf_counter()
        service_availability(history, monitoring, *period, now=NOW, policy=config.uptime.policy)
        t3 = time.perf_counter()
    return {"graph history": t1 - t0, "monitoring": t2 - t1, "computation": t3 - t2}


class GcTimer:
    """Seconds spent in garbage collection while installed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


def _poll(db: Database, sid: int, host: str, start: datetime, end: datetime | None) -> None:
    """What a poll that found one new outage writes: the row and the change record."""
    with db.session() as session:
        session.add(NmsOutageRow(source_id=sid, hostname=host, start=start, end=end))
        state = poll_state(session, sid)
        state.data_version += 1
        state.changes = [*(state.changes or []), [state.data_version, start.isoformat()]]


def incremental(db: Database, config: Config, sid: int, rng: random.Random) -> dict[str, Any]:
    """Report times after polls that changed only today, then after polls that changed an earlier day (the
    graph and the device list kept), with the time garbage collection took; and whether the last report of
    each kind equals a full recompute of the same state."""
    view = UptimeView(config)
    with db.session() as session:
        view.report(session, _month(config), NOW)  # warm: the graph, the device list and the days before today
    found: dict[str, Any] = {}
    now = NOW
    for kind, count in (("today", INCREMENTAL_POLLS), ("earlier", 3)):
        samples, gc_seconds, report = [], [], None
        for poll in range(count):
            now += timedelta(minutes=2)
            if kind == "today":
                _poll(db, sid, f"cpe-{poll:05d}", now - timedelta(minutes=rng.randrange(5, 60)), None)
            else:
                start = now - timedelta(days=3, minutes=rng.randrange(0, 600))
                _poll(db, sid, f"cpe-{100 + poll:05d}", start, start + timedelta(minutes=20))
            timer = GcTimer()
            gc.callbacks.append(timer)
            t0 = time.perf_counter()
            try:
                with db.session() as session:
                    report = view.report(session, _month(config), now)
            finally:
                gc.callbacks.remove(timer)
            samples.append(time.perf_counter() - t0)
            gc_seconds.append(timer.seconds)
        assert report is not None
        _, whole = full_recompute(db, config, now)
        same = [(r.service.id, r.figures, r.incidents) for r in report.results] == [
            (r.service.id, r.figures, r.incidents) for r in whole.results
        ]
        found[kind] = {"seconds": samples, "gc_seconds": gc_seconds, "same": same}
    return found


def device_availability(db: Database, sid: int, report: Report) -> dict[str, Any]:
    """The peer approach on the same store and month: a service is down exactly while its own device is down."""
    t0 = time.perf_counter()
    start, end = report.period.start, min(report.period.end, report.now)
    hosts = {r.service.device for r in report.results}
    down: dict[str, float] = {}
    with db.session() as session:
        rows = session.execute(
            select(NmsOutageRow.hostname, NmsOutageRow.start, NmsOutageRow.end).where(
                NmsOutageRow.source_id == sid, NmsOutageRow.start < end,
                (NmsOutageRow.end.is_(None)) | (NmsOutageRow.end > start))
        )  # fmt: skip
        for host, o_start, o_end in rows:
            if host not in hosts:
                continue
            o_start, o_end = _aware(o_start), _aware(o_end) if o_end is not None else end
            seconds = (min(o_end, end) - max(o_start, start)).total_seconds()
            down[host] = down.get(host, 0.0) + max(0.0, seconds)
    elapsed = (end - start).total_seconds()
    below = sum(1 for r in report.results if 1 - down.get(r.service.device, 0.0) / elapsed < r.service.slo / 100)
    seconds = time.perf_counter() - t0
    return {"down_s": sum(down.get(r.service.device, 0.0) for r in report.results), "below_target": below,
            "seconds": seconds}  # fmt: skip


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def dependency_aware(report: Report) -> dict[str, Any]:
    """The same two counts from deskpulse's report: downtime and services below target."""
    below = sum(1 for r in report.results if r.figures.sli is not None and r.figures.sli < r.service.slo / 100)
    return {"down_s": sum(r.figures.down_s for r in report.results), "below_target": below}


def heap_peak(db: Database, config: Config) -> int:
    """tracemalloc's peak during one full recompute (bytes)."""
    gc.collect()
    tracemalloc.start()
    try:
        full_recompute(db, config, NOW)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(ws: Workspace) -> BenchResult:
    """Fill the store, time a full recompute (three fresh views), incremental days and recomputes after a change
    before today, then measure memory."""
    w = QUICK if ws.quick else FULL
    db = Database(f"sqlite:///{ws.root / 'uptime.db'}")
    try:
        upgrade(db.engine)
        t0 = time.perf_counter()
        config, sid, counts = fill(db, w)
        fill_s = time.perf_counter() - t0
        fulls = [full_recompute(db, config, NOW) for _ in range(3)]
        report = fulls[0][1]
        peer = device_availability(db, sid, report)
        ours = dependency_aware(report)
        incidents = sum(len(r.incidents) for r in report.results)
        sli = sum(r.figures.up_s for r in report.results) / max(1.0, sum(r.figures.measured_s for r in report.results))
        full_times = [seconds for seconds, _ in fulls]
        del fulls, report  # the next runs should not pay garbage collection for these reports
        gc.collect()
        split = stages(db, config, sid)
        gc.collect()
        polls = incremental(db, config, sid, random.Random(9))
        peak = heap_peak(db, config)
    finally:
        db.dispose()
    if not all(p["same"] for p in polls.values()):
        raise RuntimeError("an incremental report differs from a full recompute of the same state")
    full_s = statistics.median(full_times)
    today, earlier = polls["today"], polls["earlier"]
    slowest = max(range(len(today["seconds"])), key=lambda i: today["seconds"][i])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    load = (f"{counts['services']:,} services over {counts['devices']:,} devices, {counts['intervals']:,} outage "
            f"intervals in a year; this month to the 18th; SQLite file, in-process")  # fmt: skip
    parts = "; ".join(f"{k} {v * 1000:,.0f} ms" for k, v in split.items())
    figures = [
        Figure(f"uptime full recompute, {counts['services']:,} services", full_s * 1000, "ms", load,
               note=f"median of 3 fresh views (nothing cached): read the graph and monitoring from the store and "
                    f"compute every service's month; stages timed apart: {parts}; {incidents:,} incidents"),
        Figure("uptime recompute after a poll changed an earlier day", statistics.median(earlier["seconds"]) * 1000,
               "ms", load, baseline=full_s * 1000,
               note=f"median of {len(earlier['seconds'])} polls that added an outage 3 days back: the graph and the "
                    "device list are kept, the days before today are read and computed again"),
        Figure("uptime incremental day (a poll changed only today)", statistics.median(today["seconds"]) * 1000, "ms",
               load, baseline=full_s * 1000,
               note=f"median of {len(today['seconds'])} polls (slowest {today['seconds'][slowest] * 1000:,.0f} ms, of "
                    f"which garbage collection {today['gc_seconds'][slowest] * 1000:,.0f} ms): the days before today "
                    "come from the view's cache; only today is read, and only services not steadily up today are "
                    "evaluated; figures identical to a full recompute"),
        Figure("customer downtime found, dependency-aware SLI vs rolling device availability",
               ours["down_s"] / 3600, "h", load, baseline=peer["down_s"] / 3600, higher_is_better=True,
               note="downtime summed over every service this month: deskpulse counts upstream outages (access, "
                    "distribution, core, carrier, k-of-n redundancy) that reach the customer although the customer's "
                    "own device stayed up; the peer counts only the customer device's own outages"),
        Figure("services found below their SLA target, dependency-aware SLI vs rolling device availability",
               ours["below_target"], "services", load, baseline=peer["below_target"], higher_is_better=True,
               note="services whose month is below their target (99.9% or 99.95%); the difference is breaches a "
                    "device-uptime dashboard reports as met"),
        Figure("rolling device availability, compute time (peer approach)", peer["seconds"] * 1000, "ms", load,
               note=f"the peer's month for every service from the same store (one outage query, no graph); "
                    f"deskpulse's full recompute takes {full_s * 1000:,.0f} ms for the dependency-aware answer"),
        Figure("uptime full recompute peak Python heap", peak / MIB, "MiB", load,
               note=f"tracemalloc peak during one full recompute; process peak RSS {rss / MIB:,.0f} MiB (store fill "
                    "included)"),
    ]  # fmt: skip
    return BenchResult(NAME, figures, {
        "workload": counts, "fill_seconds": fill_s, "full_seconds": full_times, "stages_seconds": split,
        "polls": polls, "heap_peak_bytes": peak, "peak_rss_bytes": rss, "incidents": incidents,
        "sli_month": sli, "peer_device_availability": peer, "dependency_aware": ours,
    })  # fmt: skip
