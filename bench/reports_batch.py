"""Client reports in a batch: 100 clients' reports (HTML + PDF + e-mail) for one month, as ``deskpulse report
--all-clients`` builds them (10 with ``--quick``).

Each report is built from the same realistic figures document (tests/reports/sample_figures.json, made out
for each client) through the real runs: queued, figures, charts (vl-convert), HTML, PDF (WeasyPrint), e-mail,
stored in a SQLite file. The figures computation itself is measured by the figures benchmarks, not here.
Figures: total wall time, time per report, tracemalloc's peak of Python allocations (a separate, smaller run:
tracing slows it down; a twentieth of the batch) and the process's peak RSS.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import time
import tracemalloc
from pathlib import Path
from typing import Any

import psutil

from common import MIB, BenchResult, Figure, Workspace, peak_rss_bytes, reset_peak_rss
from deskpulse.config import ClientConfig, Config
from deskpulse.reports import build
from deskpulse.reports.batch import BUILT, BatchOptions, run_client
from deskpulse.reports.settings import ReportRecipients, ReportsConfig
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade

NAME = "reports"
SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "reports" / "sample_figures.json"


def _figures(session: Any, config: Config, client_key: str, period: Any, *, now: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["client"] = {"key": client_key, "name": f"Client {client_key}", "timezone": "Europe/Amsterdam"}
    doc["period"] = period.as_dict()
    return doc


def _batch(root: Path, clients: int) -> tuple[float, int]:
    keys = [f"c{i:03d}" for i in range(clients)]
    config = Config(
        database_url=f"sqlite:///{root / f'reports-{clients}.db'}",
        clients=[ClientConfig(id=k, name=f"Client {k}") for k in keys],
        reports=ReportsConfig(recipients=[ReportRecipients(client=k, to=[f"it@{k}.test"]) for k in keys],
                              language="en"),
    )  # fmt: skip
    db = Database(config.database_url)
    upgrade(db.engine)
    with db.session() as session:
        sync_clients(session, config.clients)
    build.compute_figures = _figures  # type: ignore[assignment]  # the benchmark's stand-in, see the docstring
    opts = BatchOptions(period="2026-10", force=True)

    async def main() -> int:
        built = 0
        for key in keys:
            item = await run_client(db, config, key, opts)
            built += item.outcome == BUILT
        return built

    started = time.perf_counter()
    built = asyncio.run(main())
    seconds = time.perf_counter() - started
    db.dispose()
    return seconds, built


def run(ws: Workspace) -> BenchResult:
    """Build ``ws.scale(100)`` reports; then trace a twentieth of that for the Python allocation peak."""
    count = ws.scale(100)
    root = ws.root / "reports"
    root.mkdir(parents=True, exist_ok=True)
    _batch(root, 1)  # warm-up: vl-convert's engine and WeasyPrint's fonts load once per process
    gc.collect()
    reset = reset_peak_rss()  # earlier benchmarks ran in this process: their peak is not the batch's
    held = psutil.Process().memory_info().rss  # what the process already holds (earlier benchmarks, the warm-up)
    seconds, built = _batch(root, count)
    rss = peak_rss_bytes(os.getpid()) if reset else None
    traced = max(1, count // 20)
    tracemalloc.start()
    _batch(root, traced)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if rss is None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    workload = f"{count} client reports, one month, HTML + PDF + e-mail, SQLite"
    figures = [
        Figure("reports: batch total", seconds, "s", workload),
        Figure("reports: per report", seconds / max(1, built) * 1000, "ms", workload),
        Figure("reports: tracemalloc peak", peak / MIB, "MiB", f"{traced} reports traced"),
        Figure(
            "reports: peak RSS during the batch",
            rss / MIB,
            "MiB",
            workload,
            note="the benchmark process's high-water RSS, reset (/proc/self/clear_refs) after the warm-up report; "
            f"the process held {held / MIB:,.0f} MiB before the batch (earlier benchmarks in the same process, the "
            "warm-up's fonts and chart engine), so the batch itself added at most "
            f"{(rss - held) / MIB:,.0f} MiB"
            if reset
            else "the whole benchmark process's peak (this system cannot reset it)",
        ),
    ]
    return BenchResult(NAME, figures, {"reports": count, "built": built, "seconds": seconds, "traced": traced})
