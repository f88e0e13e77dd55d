"""Run the deskpulse benchmarks and write ``bench/results/latest.json`` and ``latest.md``.

Usage: ``python bench/run.py [--quick] [--only NAME] [--keep]``

Each benchmark's figures go into ``latest.json`` under its name with the time it ran, its duration, the load
average at its start and the machine; a run with ``--only`` replaces those benchmarks and keeps the others. The
markdown table (``latest.md``) is made from the merged file and, for full runs into ``bench/results``, written into
``docs/performance.md`` between its markers.

* ``--quick``: workloads ten times smaller (CI smoke run, well under a minute);
* ``--only NAME``: one benchmark (``dashboard``, ``memory``, ``auth``, ``board``, ``freshservice-sync``,
  ``metrics``, ``alerts``, ``uptime``, ``reports``, ``live`` or ``sync``); may be repeated;
* ``--keep``: keep the scratch directory (databases, configs, child logs) and print its path.

Every server runs as a child process on 127.0.0.1 (the auth, board, Freshservice and metrics benchmarks drive
their apps in-process instead); every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import alerts_eval
import auth_overhead
import board_latency
import dashboard_latency
import desk_metrics
import freshservice_sync_cost
import live_fanout
import memory
import reports_batch
import sync_throughput
import uptime_sli
import webhook_latency
from common import BENCH_DIR, BenchResult, Workspace, machine_info

# Order matters only for speed: later benchmarks reuse the simulators and filled stores of earlier ones,
# and the sync benchmark changes 1% of the tickets in the shared simulator, so it runs last. The Freshservice
# benchmarks run their simulator in-process and share nothing with the others, nor does the metrics benchmark
# (its own seeded store, written through the sync's upsert), nor does the alerts benchmark (the same kind of store,
# in a directory of its own).
BENCHMARKS: dict[str, Callable[[Workspace], BenchResult]] = {
    dashboard_latency.NAME: dashboard_latency.run,
    memory.NAME: memory.run,
    auth_overhead.NAME: auth_overhead.run,
    board_latency.NAME: board_latency.run,
    freshservice_sync_cost.NAME: freshservice_sync_cost.run,
    desk_metrics.NAME: desk_metrics.run,
    alerts_eval.NAME: alerts_eval.run,
    uptime_sli.NAME: uptime_sli.run,
    reports_batch.NAME: reports_batch.run,
    live_fanout.NAME: live_fanout.run,
    webhook_latency.NAME: webhook_latency.run,
    sync_throughput.NAME: sync_throughput.run,
}
RESULTS_DIR = BENCH_DIR / "results"


DOC_PAGE = BENCH_DIR.parent / "docs" / "performance.md"
DOC_BEGIN = "<!-- bench-table:begin (written by make bench from bench/results/latest.md) -->"
DOC_END = "<!-- bench-table:end -->"


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _machine(m: dict[str, Any]) -> str:
    return f"{m['nproc']} CPU, {m['ram_gib']} GiB, Python {m['python']}, SQLite {m['sqlite']}"


def render_markdown(report: dict[str, Any]) -> str:
    """The merged results as markdown: when each benchmark ran (and how busy the machine was), then one table of
    figures (figure, value, baseline, ratio, workload, machine), notes and errors."""
    runs = report["benchmarks"]
    mode = "quick (10x smaller workloads)" if report["quick"] else "full"
    lines = [
        f"# deskpulse benchmarks ({mode})",
        "",
        "Ratio = how many times better than the baseline (> 1 means deskpulse wins); the baseline is the peer",
        "approach run against the same simulator or store in the same run where one exists.",
        "",
        "| benchmark | ran at (UTC) | seconds | load average at start | machine |",
        "|---|---|---:|---:|---|",
    ]
    for name, run in runs.items():
        lines.append(f"| {name} | {run['ran_at']} | {run['seconds']:,.0f} | {run['load_average']:.1f} | "
                     f"{run['machine']['cpu']}, {_machine(run['machine'])} |")  # fmt: skip
    lines += ["", "| figure | value | baseline | ratio | workload | machine |", "|---|---:|---:|---:|---|---|"]
    notes: list[str] = []
    for run in runs.values():
        machine = _machine(run["machine"])
        for f in run["figures"]:
            ratio = f"{f['ratio']:,.1f}x" if f["ratio"] is not None else "—"
            baseline = f"{_num(f['baseline'])} {f['unit']}" if f["baseline"] is not None else "—"
            lines.append(f"| {f['name']} | {_num(f['value'])} {f['unit']} | {baseline} | {ratio} | {f['workload']} "
                         f"| {machine} |")  # fmt: skip
            if f["note"]:
                notes.append(f"- **{f['name']}**: {f['note']}")
    if notes:
        lines += ["", "Notes:", "", *notes]
    errors = {name: run["error"] for name, run in runs.items() if run.get("error")}
    if errors:
        lines += ["", "Errors:", "", *(f"- {name}: {err.splitlines()[-1]}" for name, err in errors.items())]
    return "\n".join(lines) + "\n"


def merged(previous: dict[str, Any] | None, fresh: dict[str, dict[str, Any]], quick: bool) -> dict[str, Any]:
    """The results file after this run: the benchmarks just run replace their earlier entries; the others keep
    theirs (with their own time and load) when the earlier file is of the same kind (quick or full)."""
    kept = previous["benchmarks"] if previous and previous.get("quick") == quick and "benchmarks" in previous else {}
    benchmarks = {name: fresh.get(name) or kept[name] for name in BENCHMARKS if name in fresh or name in kept}
    return {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": quick,
            "benchmarks": benchmarks}  # fmt: skip


def update_doc_page(markdown: str, page: Path = DOC_PAGE) -> bool:
    """Put the table between the markers of docs/performance.md; False when the page or its markers are missing."""
    if not page.is_file():
        return False
    text = page.read_text(encoding="utf-8")
    if DOC_BEGIN not in text or DOC_END not in text:
        return False
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    body = markdown.split("\n", 1)[1].lstrip("\n")  # the page has its own title
    page.write_text(f"{head}{DOC_BEGIN}\n{body}{DOC_END}{tail}", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, merge them into the result files, print the table; non-zero if one failed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x smaller workloads (CI smoke run)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.json / latest.md go")
    args = parser.parse_args(argv)
    selected = [name for name in BENCHMARKS if not args.only or name in args.only]
    root = Path(tempfile.mkdtemp(prefix="deskpulse-bench-"))
    ws = Workspace(root, quick=args.quick)
    fresh: dict[str, dict[str, Any]] = {}
    failed = False
    try:
        for name in selected:
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            ran_at = datetime.now(UTC).isoformat(timespec="seconds")
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            entry: dict[str, Any] = {"ran_at": ran_at, "load_average": load, "machine": machine_info()}
            try:
                result = BENCHMARKS[name](ws)
            except Exception:
                failed = True
                entry |= {"seconds": time.perf_counter() - t0, "figures": [], "details": {},
                          "error": traceback.format_exc()}  # fmt: skip
                print(entry["error"], file=sys.stderr)
            else:
                entry |= {"seconds": time.perf_counter() - t0, "figures": [f.as_dict() for f in result.figures],
                          "details": result.details}  # fmt: skip
                print(f"[bench] {name} done in {entry['seconds']:.1f} s", file=sys.stderr, flush=True)
            fresh[name] = entry
    finally:
        ws.close()
        if args.keep:
            print(f"[bench] scratch directory kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    json_path = args.out / "latest.json"
    previous = json.loads(json_path.read_text(encoding="utf-8")) if json_path.is_file() else None
    report = merged(previous, fresh, args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    markdown = render_markdown(report)
    (args.out / "latest.md").write_text(markdown, encoding="utf-8")
    if args.out.resolve() == RESULTS_DIR.resolve() and not args.quick and update_doc_page(markdown):
        print(f"[bench] table written into {DOC_PAGE}", file=sys.stderr)
    print(markdown)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
