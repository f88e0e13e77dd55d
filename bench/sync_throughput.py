"""Figure 2: sync throughput, tickets fetched, normalized and upserted per second of cycle wall time.

A real ``SyncEngine`` with the real Trengo connector syncs from the simulator child over loopback HTTP
(no simulated latency, rate limits raised out of the way) into a fresh SQLite file:

1. first full sync: directory + every open ticket inserted;
2. second cycle (also runs the first recently-closed sweep; reported for completeness);
3. steady state: nothing changed since the previous cycle, so every ticket compares equal and nothing is written;
4. 1% changed: every 100th open ticket is reassigned in the simulator first, then one cycle.

Per cycle the commit (diff + write, one transaction) is timed separately from the whole cycle, so the
figures split into "vendor side" (paging + JSON + mapping) and "store side".
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from datetime import datetime

from common import BENCH_RATE_LIMIT, SIM_TOKEN, SOURCE_NAME, BenchResult, Figure, Simulator, Workspace
from deskpulse.config import Config, SourceConfig
from deskpulse.connectors.registry import build_connector
from deskpulse.store.db import Database
from deskpulse.sync.engine import CycleResult, SyncEngine, _Fetched
from deskpulse.sync.upsert import UpsertStats
from deskpulse.web.app import prepare_store

NAME = "sync"
FULL_TICKETS = 100_000
CHANGED_FRACTION = 0.01


class TimedEngine(SyncEngine):
    """A SyncEngine that also records how long its last commit (the store side of a cycle) took."""

    commit_seconds: float = 0.0

    def _commit(self, fetched: _Fetched, now: datetime) -> UpsertStats:
        started = time.perf_counter()
        try:
            return super()._commit(fetched, now)
        finally:
            self.commit_seconds = time.perf_counter() - started


@dataclass(slots=True)
class CycleRecord:
    """One measured cycle."""

    label: str
    seconds: float
    commit_seconds: float
    requests: int
    active: int
    closed_seen: int
    stats: dict[str, int]
    changed_in_simulator: int = 0

    @classmethod
    def of(cls, label: str, result: CycleResult, commit_seconds: float) -> CycleRecord:
        if not result.ok:
            raise RuntimeError(f"sync cycle '{label}' failed: {result.error}")
        return cls(
            label,
            result.seconds,
            commit_seconds,
            result.requests,
            result.active,
            result.closed_seen,
            # The counts only: ``touched`` lists every changed ticket id (for live events), not a figure.
            {k: v for k, v in asdict(result.stats).items() if k != "touched"},
        )

    @property
    def tickets_per_second(self) -> float:
        return self.active / self.seconds


async def run_cycles(ws: Workspace, sim: Simulator) -> list[CycleRecord]:
    """The four cycles against a fresh store; returns one record per cycle."""
    db_path = ws.root / f"sync-{sim.open_tickets}.db"
    source = SourceConfig(
        name=SOURCE_NAME,
        kind="trengo",
        base_url=sim.base_url,
        token=SIM_TOKEN,
        requests_per_minute=BENCH_RATE_LIMIT,
        closed_sweep_seconds=3600,  # one sweep (cycle 2) only, so cycles 3 and 4 are pure open-list cycles
        directory_refresh_seconds=3600,
        timeout_seconds=120,
    )
    config = Config(database_url=f"sqlite:///{db_path}", sources=[source])
    db = Database(config.database_url)
    prepare_store(db, config)
    engine = TimedEngine(db, config, source, build_connector(source))
    records: list[CycleRecord] = []
    try:
        for label in ("first full sync", "second cycle (first closed sweep)", "steady state (unchanged)"):
            result = await engine.run_cycle()
            records.append(CycleRecord.of(label, result, engine.commit_seconds))
        changed = sim.change(CHANGED_FRACTION)
        result = await engine.run_cycle()
        record = CycleRecord.of(f"{CHANGED_FRACTION:.0%} changed", result, engine.commit_seconds)
        record.changed_in_simulator = changed
        records.append(record)
    finally:
        await engine.connector.aclose()
        db.dispose()
    return records


def run(ws: Workspace) -> BenchResult:
    """Sync figures for ``TrengoScenario.bulk(100_000)`` (10,000 with ``--quick``)."""
    n = ws.scale(FULL_TICKETS)
    sim = ws.simulator(n)
    records = asyncio.run(run_cycles(ws, sim))
    figures = []
    for record in (records[0], records[2], records[3]):
        workload = f"{record.active:,} open tickets, {record.requests} requests, cycle {record.seconds:.1f} s"
        store_rate = record.active / record.commit_seconds
        note = f"store side (diff + write) {record.commit_seconds:.1f} s = {store_rate:,.0f} tickets/s; {record.stats}"
        figures.append(
            Figure(
                f"sync: {record.label}",
                record.tickets_per_second,
                "tickets/s",
                workload,
                higher_is_better=True,
                note=note,
            )
        )
    return BenchResult(
        NAME, figures, {"cycles": [{**asdict(r), "tickets_per_second": r.tickets_per_second} for r in records]}
    )
