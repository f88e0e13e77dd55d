"""Figure 9: the alerts engine after a sync: 200 rules over 50,000 open tickets (5,000 with ``--quick``).

The store is the metrics benchmark's seeded desk (bench/desk_metrics_setup.py: 300 clients each with its own
calendar and targets, 12 queues, 20,000 tickets closed in the last 30 days), without its snapshot history. The
rules are a seeded set shaped like a real MSP's: most are filtered to one client (with a priority filter or
not, some only in business hours), to one queue or to one priority; a few look at the whole desk. Every rule
notifies a channel, a third escalate, some repeat and a few write back to the ticket.

The runs happen in a child process (this file with ``--measure``), so its peak RSS is its own: the high-water
mark is reset before each run (``/proc/self/clear_refs``) and read after it. Each run is the real
``evaluate_and_apply`` (one transaction, as a worker runs it after a sync), its stages timed by wrapping the
functions it calls: reading the rules, loading the inputs (SLA-evaluated tickets, ticket facts, the rest),
pure evaluation, applying the result (alerts, history, outbox); commit and the thread hop are the remainder.

* first run, at ``NOW``: every firing subject opens an alert and queues its notices;
* steady state, at ``NOW`` + 1, 2, 3 minutes (the timer between syncs, or a sync that changed nothing): the
  same subjects fire, nothing new should open. Baseline: the first run.

``python bench/alerts_eval.py --profile [--quick]`` fills a store and prints a cProfile of both kinds of run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from sqlalchemy import func, select

from common import MIB, BenchResult, Figure, Workspace, reset_peak_rss
from desk_metrics_setup import NOW, TEAMS, Workload, client_key, fill_store
from deskpulse.alerts import inputs, runner
from deskpulse.alerts.evaluate import evaluate
from deskpulse.alerts.inputs import load_inputs
from deskpulse.alerts.lifecycle import apply_evaluation
from deskpulse.alerts.rule_store import all_rules
from deskpulse.alerts.runner import evaluate_and_apply
from deskpulse.alerts.settings import AlertsConfig
from deskpulse.config import load_config
from deskpulse.store.alerts_tables import AlertEventRow, AlertOutboxRow, AlertRow
from deskpulse.store.db import Database

NAME = "alerts"
FULL = Workload(open_tickets=50_000, closed_tickets=20_000, clients=300)
QUICK = Workload(open_tickets=5_000, closed_tickets=2_000, clients=30)
RULES = 200
STEADY_RUNS = 3
CHANNELS = [
    {"type": "webhook", "name": "oncall", "url": "http://127.0.0.1:9/oncall", "secret": "bench-secret-0123456789"},
    {"type": "webhook", "name": "leads", "url": "http://127.0.0.1:9/leads", "secret": "bench-secret-0123456789"},
]
# What the per-client rules watch, each with the priorities it is about: real rule sets page people for the
# urgent and high tickets of a client, not for every ticket of it.
URGENT, URGENT_HIGH = ["urgent"], ["urgent", "high"]
CLIENT_RULES: list[tuple[dict[str, Any], list[str]]] = [
    ({"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": 30}, URGENT_HIGH),
    ({"type": "sla_breached", "kind": "resolution", "min_overdue_minutes": 240}, URGENT),
    ({"type": "sla_at_risk", "kind": "resolution"}, URGENT_HIGH),
    ({"type": "update_overdue", "minutes": 240}, []),
    ({"type": "unassigned_for", "minutes": 480}, URGENT_HIGH),
    ({"type": "no_activity_for", "minutes": 14 * 24 * 60}, URGENT_HIGH),
]
STAGES = ("rules", "load_sla_tickets", "ticket_facts", "load_inputs", "evaluate", "apply_evaluation")


def rule_set(workload: Workload, count: int = RULES, seed: int = 17) -> dict[str, Any]:
    """An ``[alerts]`` section of ``count`` rules: 55% for one client (the biggest clients, six rules each), 20% for
    one queue, 15% for one queue's urgent or high tickets, 10% for the whole desk; thresholds vary."""
    rng = random.Random(seed)
    per_queue = max(1, workload.open_tickets // TEAMS)
    rules: list[dict[str, Any]] = []
    for i in range(count):
        share = i / count
        filters: dict[str, Any] = {}
        condition: dict[str, Any]
        options: list[dict[str, Any]]
        if share < 0.55:  # the biggest clients each get the set of client rules; some only in business hours
            condition, priorities = CLIENT_RULES[i % len(CLIENT_RULES)]
            client = (i // len(CLIENT_RULES)) % workload.clients
            filters.update(clients=[client_key(client)], priorities=priorities, business_hours_only=client % 5 == 4)
        elif share < 0.75:  # one queue: its backlog, its urgent tickets nobody took, its urgent breaches
            filters["teams"] = [str(i % TEAMS)]
            options = [
                {"type": "queue_backlog_above", "count": int(per_queue * rng.uniform(0.8, 1.2))},
                {"type": "unassigned_for", "minutes": rng.choice([120, 240, 480])},
                {"type": "sla_breached", "kind": "first_response", "min_overdue_minutes": rng.choice([30, 60, 120])},
            ]
            condition = options[i % 3]
            if condition["type"] != "queue_backlog_above":
                filters["priorities"] = URGENT
        elif share < 0.90:  # one queue's urgent or high tickets
            filters.update(teams=[str(i % TEAMS)], priorities=[URGENT, ["high"]][i % 2])
            options = [
                {"type": "sla_at_risk", "kind": "first_response"},
                {"type": "sla_breached", "kind": "resolution", "min_overdue_minutes": rng.choice([1, 2, 3]) * 1440},
                {"type": "no_activity_for", "minutes": rng.choice([7, 14, 21]) * 1440},
            ]
            condition = options[i % 3]
        else:  # the whole desk
            k = i % 5
            options = [
                {"type": "source_stale_for", "minutes": 15 * (k + 1)},
                {"type": "new_tickets_per_hour_above", "count": max(5, workload.open_tickets // 200) * (k + 1)},
                {"type": "queue_backlog_above", "count": int(per_queue * (0.9 + 0.1 * k))},
                {"type": "no_activity_for", "minutes": (30 + 5 * k) * 1440},
            ]
            condition = options[i % 4]
            if condition["type"] == "no_activity_for":
                filters["priorities"] = URGENT
        rule: dict[str, Any] = {
            "id": f"rule-{i:03d}", "name": f"Bench rule {i}", "condition": condition, "filters": filters,
            "severity": ["warning", "critical", "info"][i % 3], "actions": {"channels": ["oncall"]},
        }  # fmt: skip
        if i % 3 == 0:
            rule["escalation"] = {"levels": [{"after_minutes": 30, "channels": ["leads"]}]}
        if i % 5 == 0:
            rule["repeat_interval_minutes"] = 60
        ticket_rule = condition["type"] not in ("queue_backlog_above", "new_tickets_per_hour_above", "source_stale_for")
        if ticket_rule and i % 20 == 0:
            rule["actions"]["writeback"] = {"note": "Escalated by deskpulse"}
        rules.append(rule)
    return {"channels": CHANNELS, "rules": rules}


class Timer:
    """Seconds spent in the functions ``evaluate_and_apply`` calls, and what the evaluation found."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        # CPU time of the calling thread per stage: on a shared, busy machine wall-clock time swells with the load
        # average while this barely moves, so it is the figure to compare runs made at different times.
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.firing = 0
        self.held = 0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                result = fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.cpu[name] += time.thread_time() - cpu
            if name == "evaluate":
                self.firing, self.held = len(result.firing), len(result.held_rules)
            return result

        return timed

    @contextmanager
    def patched(self) -> Iterator[None]:
        targets = [(runner, "all_rules", "rules"), (inputs, "load_sla_tickets", "load_sla_tickets"),
                   (inputs, "ticket_facts", "ticket_facts"), (runner, "load_inputs", "load_inputs"),
                   (runner, "evaluate", "evaluate"), (runner, "apply_evaluation", "apply_evaluation")]  # fmt: skip
        with ExitStack() as stack:
            for module, attr, name in targets:
                stack.enter_context(patch.object(module, attr, self.wrap(name, getattr(module, attr))))
            yield


def _status_kib(field: str) -> int | None:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return None


def _table_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            "open_alerts": session.scalar(select(func.count()).where(AlertRow.open_key.is_not(None))) or 0,
            "alert_events": session.scalar(select(func.count()).select_from(AlertEventRow)) or 0,
            "outbox_rows": session.scalar(select(func.count()).select_from(AlertOutboxRow)) or 0,
        }


def measure(config_path: Path, rules_path: Path, steady_runs: int) -> dict[str, Any]:
    """The first run and ``steady_runs`` later ones, each timed by stage, with its peak RSS (child process)."""
    config = load_config(config_path, env_file=None)
    section = AlertsConfig.model_validate(json.loads(rules_path.read_text(encoding="utf-8")))
    db = Database(config.database_url)
    out: dict[str, Any] = {"rss_start": _status_kib("VmRSS"), "runs": []}
    try:
        for minute in range(steady_runs + 1):
            timer, reset = Timer(), reset_peak_rss()
            with timer.patched():
                started = time.perf_counter()
                result = asyncio.run(evaluate_and_apply(db, config, NOW + timedelta(minutes=minute), alerts=section))
                total = time.perf_counter() - started
            out["runs"].append({
                "minute": minute, "total_s": total, "stages_s": timer.seconds, "stages_cpu_s": timer.cpu,
                "firing_subjects": timer.firing, "held_rules": timer.held, "fired": len(result.fired),
                "escalated": len(result.escalated), "resolved": len(result.resolved), "queued": result.queued,
                "peak_rss": _status_kib("VmHWM") if reset else None, "tables": _table_counts(db),
            })  # fmt: skip
    finally:
        db.dispose()
    return out


def _prepare(root: Path, workload: Workload) -> tuple[Any, Path]:
    store = fill_store(root, workload, history=False)
    rules_path = root / "alert-rules.json"
    rules_path.write_text(json.dumps(rule_set(workload)), encoding="utf-8")
    return store, rules_path


def _config_path(root: Path, workload: Workload) -> Path:
    return root / f"desk-metrics-{workload.open_tickets}.toml"


def run(ws: Workspace) -> BenchResult:
    """Fill the store, then time the first and the steady-state runs in a child process."""
    workload = QUICK if ws.quick else FULL
    load_before = os.getloadavg()  # the machine may be shared: a busy one shows here
    root = ws.root / "alerts"  # its own store: the metrics benchmark's file name would collide
    root.mkdir(exist_ok=True)
    store, rules_path = _prepare(root, workload)
    args = [sys.executable, __file__, "--measure", str(_config_path(root, workload)), str(rules_path)]
    done = subprocess.run([*args, "--steady-runs", str(STEADY_RUNS)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the measuring child failed:\n{done.stderr[-3000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    load_after = os.getloadavg()
    measured["loadavg_text"] = f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (1 min, 2 CPUs)"
    return BenchResult(NAME, figures_of(workload, measured), {
        "workload": asdict(workload), "rules": RULES, "fill_seconds": store.seconds, "store": store.counts,
        **measured, "loadavg_before": load_before, "loadavg_after": load_after,
    })  # fmt: skip


def _stage_note(run: dict[str, Any]) -> str:
    s = {k: v * 1000 for k, v in run["stages_s"].items()}
    other_inputs = s["load_inputs"] - s["load_sla_tickets"] - s["ticket_facts"]
    rest = run["total_s"] * 1000 - s["rules"] - s["load_inputs"] - s["evaluate"] - s["apply_evaluation"]
    return (
        f"rules {s['rules']:,.0f} ms; load inputs {s['load_inputs']:,.0f} ms (load_sla_tickets "
        f"{s['load_sla_tickets']:,.0f}, ticket_facts {s['ticket_facts']:,.0f}, sources and team names "
        f"{other_inputs:,.0f}); evaluate {s['evaluate']:,.0f} ms; apply {s['apply_evaluation']:,.0f} ms; "
        f"commit and the rest {rest:,.0f} ms"
    )


def figures_of(workload: Workload, measured: dict[str, Any]) -> list[Figure]:
    """The rows of the results table."""
    first, steady = measured["runs"][0], measured["runs"][1:]
    n = f"{workload.open_tickets:,}"
    where = (
        f"{RULES} rules, {n} open + {workload.closed_tickets:,} closed tickets, {workload.clients} clients each with "
        f"its own calendar, SQLite file, one evaluate_and_apply (one transaction) in a child process"
    )
    first_w = f"{where}; first run: {first['firing_subjects']:,} firing subjects, {first['fired']:,} alerts opened"
    steady_w = f"{where}; median of {len(steady)} later runs (+1 to +{len(steady)} min), nothing changed in the store"

    def med(key: Callable[[dict[str, Any]], float]) -> float:
        return statistics.median(key(r) for r in steady)

    changed = ", ".join(f"+{r['minute']} min: {r['fired']} opened, {r['resolved']} resolved, "
                        f"{r['escalated']} escalated, {r['queued']} notices" for r in steady)  # fmt: skip
    s_first = first["stages_s"]
    middle = sorted(steady, key=lambda r: r["total_s"])[len(steady) // 2]
    out = [
        Figure(f"alerts: first run after a sync, total @{n}", first["total_s"] * 1000, "ms", first_w,
               note=f"{_stage_note(first)}; {first['queued']:,} notices queued; {first['held_rules']} rules held "
               f"(business hours)"),
        Figure(f"alerts: steady state, total @{n}", med(lambda r: r["total_s"]) * 1000, "ms", steady_w,
               first["total_s"] * 1000, note=f"baseline = the first run; median run: {_stage_note(middle)}; {changed}"),
        Figure(f"alerts: load inputs @{n}", s_first["load_inputs"] * 1000, "ms", first_w,
               note="first run; SLA evaluation of every open ticket (both clocks) + ticket facts"),
        Figure(f"alerts: pure evaluation of {RULES} rules @{n}", med(lambda r: r["stages_s"]["evaluate"]) * 1000,
               "ms", steady_w, s_first["evaluate"] * 1000, note="baseline = the first run's evaluation"),
        Figure(f"alerts: apply, first run @{n}", s_first["apply_evaluation"] * 1000, "ms", first_w,
               note=f"{first['fired']:,} alerts opened with their history and {first['queued']:,} outbox rows: "
               f"{s_first['apply_evaluation'] * 1000 / max(1, first['fired']):.2f} ms per alert opened"),
        Figure(f"alerts: apply, steady state @{n}", med(lambda r: r["stages_s"]["apply_evaluation"]) * 1000, "ms",
               steady_w, s_first["apply_evaluation"] * 1000,
               note=f"baseline = the first run's apply; {steady[-1]['tables']['open_alerts']:,} open alerts read and "
               "compared"),
        Figure(f"alerts: apply CPU time, first run @{n}", first["stages_cpu_s"]["apply_evaluation"] * 1000, "ms",
               first_w, note="CPU time of the applying thread (unlike wall-clock time, barely moved by other load on "
               f"the machine; load average {measured.get('loadavg_text', '?')}); load inputs took "
               f"{first['stages_cpu_s']['load_inputs'] * 1000:,.0f} ms of CPU"),
        Figure(f"alerts: apply CPU time, steady state @{n}",
               med(lambda r: r["stages_cpu_s"]["apply_evaluation"]) * 1000, "ms", steady_w,
               first["stages_cpu_s"]["apply_evaluation"] * 1000, note="baseline = the first run's apply CPU time"),
        Figure(f"alerts: alerts created, first run @{n}", first["fired"], "alerts", first_w,
               note="store after all runs: {open_alerts:,} open alerts, {alert_events:,} history entries, "
               "{outbox_rows:,} outbox rows".format(**steady[-1]["tables"])),
    ]  # fmt: skip
    if first["peak_rss"] is not None:
        rss = f"the child's RSS before the first run: {measured['rss_start'] / MIB:,.0f} MiB"
        out += [
            Figure(f"alerts: peak RSS, first run @{n}", first["peak_rss"] / MIB, "MiB", first_w, note=rss),
            Figure(f"alerts: peak RSS, steady state @{n}", max(r["peak_rss"] for r in steady) / MIB, "MiB",
                   steady_w, note="highest of the later runs (the high-water mark is reset before each run)"),
        ]  # fmt: skip
    return out


def profile(workload: Workload) -> None:
    """Fill a store, then print the top of a cProfile of the first run and of a steady-state run."""
    with tempfile.TemporaryDirectory(prefix="deskpulse-alerts-") as tmp:
        root = Path(tmp)
        store, rules_path = _prepare(root, workload)
        section = AlertsConfig.model_validate(json.loads(rules_path.read_text(encoding="utf-8")))
        db = Database(store.config.database_url)
        try:
            for minute, label in ((0, "first run"), (1, "steady state")):
                now = NOW + timedelta(minutes=minute)
                profiler = cProfile.Profile()
                profiler.enable()
                # What evaluate_and_apply runs in its worker thread, here in this one (cProfile sees one thread).
                with db.session() as session:
                    rules = all_rules(session, section)
                    evaluation = evaluate(rules, load_inputs(session, store.config, rules, now))
                    apply_evaluation(session, evaluation, {r.id: r for r in rules}, section.silences, now)
                profiler.disable()
                print(f"===== {label} =====")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        finally:
            db.dispose()


def main(argv: list[str] | None = None) -> int:
    """``--measure CONFIG RULES``: the child's part (JSON on the last line); ``--profile``: a cProfile."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measure", nargs=2, type=Path, metavar=("CONFIG", "RULES"))
    parser.add_argument("--steady-runs", type=int, default=STEADY_RUNS)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.steady_runs)))
    elif args.profile:
        profile(QUICK if args.quick else FULL)
    else:
        parser.error("use bench/run.py --only alerts, or --profile")
    return 0


if __name__ == "__main__":
    sys.exit(main())
