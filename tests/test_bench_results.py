"""The benchmark results committed with the code are complete and are what docs/performance.md shows: every
benchmark that ``make bench`` runs has its rows, each with its workload, and the page's table is the latest one."""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGE = ROOT / "docs" / "performance.md"


def benchmark_names() -> list[str]:
    """The NAME of every module bench/run.py lists in BENCHMARKS, read from the sources (nothing is run)."""
    run = ast.parse((ROOT / "bench" / "run.py").read_text(encoding="utf-8"))
    modules = [
        key.value.id
        for node in ast.walk(run)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name) and key.attr == "NAME"
    ]
    names = []
    for module in modules:
        tree = ast.parse((ROOT / "bench" / f"{module}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "NAME" for t in node.targets):
                assert isinstance(node.value, ast.Constant)
                names.append(str(node.value.value))
    return names


def test_the_name_walk_finds_the_benchmarks() -> None:
    assert {"dashboard", "uptime", "reports", "freshservice-sync"} <= set(benchmark_names())


def test_every_benchmark_has_full_size_figures_with_workloads() -> None:
    report = json.loads((RESULTS / "latest.json").read_text(encoding="utf-8"))
    assert report["quick"] is False
    for name in benchmark_names():
        run = report["benchmarks"].get(name)
        assert run is not None, f"bench/results/latest.json has no rows for {name}: run `make bench`"
        assert not run.get("error"), f"{name} failed in the committed run"
        assert run["figures"], name
        for figure in run["figures"]:
            assert figure["workload"], figure["name"]
            assert figure["value"] is not None, figure["name"]


def test_the_performance_page_shows_the_latest_table() -> None:
    page = PAGE.read_text(encoding="utf-8")
    table = (RESULTS / "latest.md").read_text(encoding="utf-8").split("\n", 1)[1].lstrip("\n")
    begin = page.index("<!-- bench-table:begin")
    shown = page[page.index("\n", begin) + 1 : page.index("<!-- bench-table:end -->")]
    assert shown == table
