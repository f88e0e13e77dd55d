"""The command line uses the sources saved in the browser, and stops with a sentence (exit 2) when their secrets
cannot be read: the key is missing or is not the one they were encrypted with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskpulse.cli import app
from deskpulse.secret_box import KEY_VARIABLE, SecretBox
from deskpulse.settings_store import save_source
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from support import SIM_TOKEN, LiveServer, simulator

runner = CliRunner()
KEY = "cli-test-key-" + "7" * 32
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def saved_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A store holding one Trengo source saved in the browser, pointed at a live simulator; the CLI's env."""
    monkeypatch.chdir(tmp_path)
    sim = LiveServer(simulator(TrengoScenario(3, open_tickets=5, history_days=2, now=NOW))).__enter__()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    db = Database(url)
    upgrade(db.engine)
    with db.session() as session:
        save_source(session, SecretBox(KEY), name="desk", kind="trengo", file_names=set(), actor=None, now=NOW,
                    values={"base_url": f"{sim.url}/api/v2", "token": SIM_TOKEN})  # fmt: skip
    db.dispose()
    yield {"DESKPULSE_DATABASE_URL": url, "DESKPULSE_CONFIG": "", "TRENGO_API_TOKEN": "", KEY_VARIABLE: KEY}
    sim.__exit__(None, None, None)


def test_check_tests_a_source_saved_in_the_browser(saved_desk: dict[str, str]) -> None:
    result = runner.invoke(app, ["check"], env=saved_desk)
    assert result.exit_code == 0, result.output
    assert "desk (trengo, http://127.0.0.1:" in result.output and "token accepted" in result.output


def test_a_wrong_secret_key_stops_the_cli_with_a_sentence(saved_desk: dict[str, str]) -> None:
    result = runner.invoke(app, ["check"], env=saved_desk | {KEY_VARIABLE: "another-key-" + "8" * 32})
    assert result.exit_code == 2
    assert "Saved credentials cannot be read" in result.output and "is not the key" in result.output
    assert "Traceback" not in result.output


def test_a_missing_secret_key_stops_the_worker_with_a_sentence(saved_desk: dict[str, str]) -> None:
    result = runner.invoke(app, ["worker"], env=saved_desk | {KEY_VARIABLE: ""})
    assert result.exit_code == 2
    assert f"encrypted with {KEY_VARIABLE}, which is not set" in result.output
