"""The command line: clear sentences and exit codes, against a simulator on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deskpulse.cli import app
from deskpulse.simulators.faults import FaultPlan
from deskpulse.simulators.trengo_scenario import TrengoScenario
from support import SIM_TOKEN, LiveServer, simulator

runner = CliRunner()
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
def live_sim():  # type: ignore[no-untyped-def]
    app = simulator(TrengoScenario(11, open_tickets=60, history_days=3, now=NOW))
    with LiveServer(app) as server:
        yield app, server


def env_for(server: LiveServer, tmp_path: Path, token: str = SIM_TOKEN) -> dict[str, str]:
    return {
        "TRENGO_API_TOKEN": token,
        "TRENGO_BASE_URL": f"{server.url}/api/v2",
        "DESKPULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "DESKPULSE_CONFIG": "",
    }


def test_check_accepts_a_good_token(live_sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check"], env=env_for(live_sim[1], tmp_path))
    assert result.exit_code == 0, result.output
    assert "token accepted" in result.output


def test_check_names_a_rejected_token_in_one_sentence(
    live_sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check"], env=env_for(live_sim[1], tmp_path, token="wrong"))
    assert result.exit_code == 1
    assert "Trengo refused the personal access token (401): check the token" in result.output
    assert "Traceback" not in result.output


def test_sync_once_fills_the_store_and_reports(live_sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["sync", "--once"], env=env_for(live_sim[1], tmp_path))
    assert result.exit_code == 0, result.output
    assert "60 active tickets" in result.output


def test_sync_once_fails_with_the_reason_when_the_vendor_is_down(
    live_sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    live_sim[0].state.faults.set(FaultPlan(mode="truncated"))
    result = runner.invoke(app, ["sync", "--once"], env=env_for(live_sim[1], tmp_path))
    assert result.exit_code == 1
    assert "malformed JSON" in result.output


def test_a_config_with_a_missing_variable_is_refused_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "deskpulse.toml"
    cfg.write_text('[[sources]]\nname = "trengo"\nkind = "trengo"\ntoken = "${NOT_SET_ANYWHERE}"\n')
    result = runner.invoke(app, ["check", "--config", str(cfg)], env={"DESKPULSE_CONFIG": ""})
    assert result.exit_code == 2
    assert "NOT_SET_ANYWHERE" in result.output


def test_sync_without_any_source_explains_how_to_add_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRENGO_API_TOKEN", raising=False)
    result = runner.invoke(app, ["sync", "--once"], env={"DESKPULSE_CONFIG": ""})
    assert result.exit_code == 2
    assert "TRENGO_API_TOKEN" in result.output
