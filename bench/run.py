"""Run the deskpulse benchmarks and write ``bench/results/latest.json`` and ``latest.md``.

Usage: ``python bench/run.py [--quick] [--only NAME] [--keep]``

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
from common import BENCH_DIR, BenchResult, Figure, Workspace, machine_info

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


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def render_markdown(report: dict[str, Any], figures: list[Figure]) -> str:
    """The results as a markdown table plus notes, ready to paste into an issue."""
    m = report["machine"]
    machine = f"{m['nproc']} CPU, {m['ram_gib']} GiB, Python {m['python']}, SQLite {m['sqlite']}"
    mode = "quick (10x smaller workloads)" if report["quick"] else "full"
    lines = [
        f"# deskpulse benchmarks ({mode})",
        "",
        f"Run {report['generated_at']} in {report['seconds']:.0f} s on {m['cpu']} ({m['platform']}).",
        "Ratio = how many times better than the baseline (> 1 means deskpulse wins).",
        "",
        "| figure | value | baseline | ratio | workload | machine |",
        "|---|---:|---:|---:|---|---|",
    ]
    for f in figures:
        ratio = f"{f.ratio:,.1f}x" if f.ratio is not None else "—"
        baseline = f"{_num(f.baseline)} {f.unit}" if f.baseline is not None else "—"
        lines.append(f"| {f.name} | {_num(f.value)} {f.unit} | {baseline} | {ratio} | {f.workload} | {machine} |")
    notes = [f"- **{f.name}**: {f.note}" for f in figures if f.note]
    if notes:
        lines += ["", "Notes:", "", *notes]
    if report["errors"]:
        lines += ["", "Errors:", "", *(f"- {name}: {err.splitlines()[-1]}" for name, err in report["errors"].items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, write the result files, print the table; non-zero if one failed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x smaller workloads (CI smoke run)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.json / latest.md go")
    args = parser.parse_args(argv)
    selected = [name for name in BENCHMARKS if not args.only or name in args.only]
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="deskpulse-bench-"))
    ws = Workspace(root, quick=args.quick)
    results: list[BenchResult] = []
    errors: dict[str, str] = {}
    try:
        for name in selected:
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            try:
                result = BENCHMARKS[name](ws)
            except Exception:
                errors[name] = traceback.format_exc()
                print(errors[name], file=sys.stderr)
                continue
            result.details["seconds"] = time.perf_counter() - t0
            results.append(result)
            print(f"[bench] {name} done in {result.details['seconds']:.1f} s", file=sys.stderr, flush=True)
    finally:
        ws.close()
        if args.keep:
            print(f"[bench] scratch directory kept: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    figures = [f for r in results for f in r.figures]
    report: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "only": selected,
        "seconds": time.perf_counter() - started,
        "machine": machine_info(),
        "figures": [f.as_dict() for f in figures],
        "details": {r.name: r.details for r in results},
        "errors": errors,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    markdown = render_markdown(report, figures)
    (args.out / "latest.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
