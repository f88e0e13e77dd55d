"""The optional extras degrade gracefully: without vl-convert (``deskpulse[charts]``) the app starts, the
dashboard loads no chart library and draws tables, and the bundle URL answers 503 with a sentence; nothing in
the package imports vl-convert or WeasyPrint (``deskpulse[pdf]``) at module level."""

from __future__ import annotations

import ast
import importlib.abc
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from deskpulse.config import Config, SourceConfig
from deskpulse.store.db import Database
from deskpulse.web import charts
from deskpulse.web.app import create_app
from support import api_key_for

PACKAGE = Path(charts.__file__).resolve().parents[1]
OPTIONAL = ("vl_convert", "weasyprint")


class _BrokenNativeLibrary(importlib.abc.MetaPathFinder):
    """Finds ``name`` and fails the way a package whose shared library cannot load does (OSError)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname == self.name:
            raise OSError(f"cannot load library 'lib{fullname}.so': no such file")
        return None


@pytest.fixture
def without_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """vl-convert is not installed: importing it raises ImportError."""
    monkeypatch.setitem(sys.modules, "vl_convert", None)


@pytest.fixture
def client(without_charts: None, db: Database, caplog: pytest.LogCaptureFixture) -> Iterator[TestClient]:
    config = Config(sources=[SourceConfig(name="acme", kind="trengo", token="t")])
    caplog.set_level(logging.WARNING, logger="deskpulse.web.charts")
    with TestClient(create_app(config, db=db), headers={"X-API-Key": api_key_for(db)}) as test_client:
        yield test_client


def test_charts_are_available_with_vl_convert_installed() -> None:
    assert charts.charts_available()


def test_charts_are_unavailable_when_vl_convert_is_missing(without_charts: None) -> None:
    assert not charts.charts_available()


def test_charts_are_unavailable_when_the_native_library_will_not_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "vl_convert", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenNativeLibrary("vl_convert"), *sys.meta_path])
    assert not charts.charts_available()


def test_the_app_starts_without_charts_and_says_why_once(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    assert client.get("/healthz").status_code == 200
    said = [r.getMessage() for r in caplog.get_records("setup") if r.name == "deskpulse.web.charts"]
    assert said == [charts.CHARTS_MISSING]
    assert "deskpulse[charts]" in charts.CHARTS_MISSING


def test_the_dashboard_draws_tables_and_loads_no_chart_library_without_charts(client: TestClient) -> None:
    html = client.get("/").text
    assert 'data-charts="off"' in html
    assert "/assets/vega-bundle.js" not in html
    assert 'type="module"' in html  # the page itself still runs; chart-table.js draws the tables


def test_the_dashboard_embeds_charts_when_vl_convert_is_installed(db: Database) -> None:
    config = Config(sources=[SourceConfig(name="acme", kind="trengo", token="t")])
    with TestClient(create_app(config, db=db), headers={"X-API-Key": api_key_for(db)}) as test_client:
        html = test_client.get("/").text
    assert 'data-charts="on"' in html
    assert "/assets/vega-bundle.js?v=" in html


def test_the_bundle_url_answers_503_with_a_sentence_without_charts(client: TestClient) -> None:
    response = client.get("/assets/vega-bundle.js")
    assert response.status_code == 503
    assert response.json() == {"detail": charts.CHARTS_MISSING}


def test_chart_specs_and_their_data_still_come_without_charts(client: TestClient) -> None:
    response = client.get("/api/charts/history", params={"range": "24h"})
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "history"
    assert client.get("/api/charts/closed-per-day").status_code == 200


def test_building_the_bundle_without_charts_raises_a_clear_error(without_charts: None) -> None:
    with pytest.raises(charts.ChartsUnavailable, match=r"deskpulse\[charts\]"):
        charts.vega_bundle_js.__wrapped__()


def _module_level_imports(tree: ast.Module) -> set[str]:
    """Top-level names imported outside any function or class body (``try``/``if`` blocks included)."""
    found: set[str] = set()
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    todo.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    return found


def test_no_module_imports_an_optional_extra_at_import_time() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        imported = _module_level_imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        offenders += [f"{path.relative_to(PACKAGE)} imports {name}" for name in OPTIONAL if name in imported]
    assert offenders == [], "import these inside the function that needs them:\n" + "\n".join(offenders)


def test_the_cli_and_web_app_import_with_neither_extra_installed() -> None:
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in OPTIONAL)
    code = f"import sys; {blocked}; import deskpulse.cli, deskpulse.web.app; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
