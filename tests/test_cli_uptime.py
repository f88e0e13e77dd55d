"""`deskpulse uptime import`: exit 0 with one line when stored, exit 2 with every problem and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from deskpulse.cli import app
from deskpulse.config import load_config
from deskpulse.store.db import Database
from deskpulse.store.uptime_graphs import current_rows
from uptime_store_support import GRAPH_YAML

runner = CliRunner()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DESKPULSE_CONFIG", raising=False)
    path = tmp_path / "deskpulse.toml"
    path.write_text(
        f'database_url = "sqlite:///{tmp_path / "uptime.db"}"\n\n'
        '[[clients]]\nid = "acme"\nname = "Acme"\n\n[[clients]]\nid = "globex"\nname = "Globex"\n',
        encoding="utf-8",
    )
    return path


def cli(config_file: Path, *args: str) -> Result:
    return runner.invoke(app, ["uptime", "import", *args, "--config", str(config_file)])


def stored(config_file: Path) -> list[tuple[str | None, str]]:
    db = Database(load_config(config_file, env_file=None).database_url)
    try:
        with db.session() as session:
            return [(str(r.effective_from) if r.effective_from else None, r.format) for r in current_rows(session)]
    finally:
        db.dispose()


def test_a_good_graph_is_stored_and_summed_up_in_one_line(config_file: Path, tmp_path: Path) -> None:
    graph = tmp_path / "network.yaml"
    graph.write_text(GRAPH_YAML, encoding="utf-8")
    result = cli(config_file, str(graph))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"{graph}: stored as graph version 1 (7 devices, 2 services, 1 maintenance windows, effective from 2026-01-01)."
    )
    assert stored(config_file) == [("2026-01-01", "yaml")]


def test_a_dry_run_checks_the_file_and_stores_nothing(config_file: Path, tmp_path: Path) -> None:
    graph = tmp_path / "network.yaml"
    graph.write_text(GRAPH_YAML, encoding="utf-8")
    result = cli(config_file, str(graph), "--dry-run", "--effective-from", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output and "effective from 2026-11-01" in result.output
    assert stored(config_file) == []


def test_a_bad_file_exits_2_listing_every_problem_with_its_line(config_file: Path, tmp_path: Path) -> None:
    graph = tmp_path / "network.csv"
    graph.write_text(
        "kind,device,need,of,service_id,client,name,slo\n"
        "parents,cpe-1,0,acc-1,,,,\n"
        "service,cpe-1,,,s1,Initech,Internet,99.9\n"
        "service,cpe-9,,,s2,Acme,Internet,abc\n",
        encoding="utf-8",
    )
    result = cli(config_file, str(graph))
    assert result.exit_code == 2
    assert "the graph has 3 problems" in result.output
    assert "line 2: device cpe-1, parent group 1 needs 0 devices up" in result.output
    assert "line 3: service s1 is for client 'Initech'" in result.output
    assert "line 4: slo 'abc' is not a percentage like 99.9" in result.output
    assert stored(config_file) == []


@pytest.mark.parametrize(
    ("args", "sentence"),
    [(("missing.yaml",), "does not exist"), (("{graph}", "--effective-from", "someday"), "is not a date")],
)
def test_a_missing_file_or_a_bad_date_exits_2(
    config_file: Path, tmp_path: Path, args: tuple[str, ...], sentence: str
) -> None:
    graph = tmp_path / "network.yaml"
    graph.write_text(GRAPH_YAML, encoding="utf-8")
    result = cli(config_file, *(a.format(graph=graph) for a in args))
    assert result.exit_code == 2
    assert sentence in result.output
