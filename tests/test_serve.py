"""`deskpulse serve`: one process or several uvicorn workers built by the factory, and a clean exit on SIGTERM."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deskpulse.cli import app
from deskpulse.web import serving
from deskpulse.web.factory import IMPORT_STRING, OPTIONS_ENV, ServeOptions, create

runner = CliRunner()


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory without .env, and the variables serve hands to its workers restored afterwards."""
    monkeypatch.chdir(tmp_path)
    for name in ("DESKPULSE_CONFIG", OPTIONS_ENV, "DESKPULSE_DATABASE_URL", "DESKPULSE_REDIS_URL"):
        monkeypatch.setenv(name, "")  # recorded, so whatever serve sets is undone after the test
    config = tmp_path / "deskpulse.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "serve.db"}"\n', encoding="utf-8")
    return config


def test_several_workers_without_web_only_are_refused_in_one_sentence(isolated_env: Path) -> None:
    result = runner.invoke(app, ["serve", "--workers", "2", "--config", str(isolated_env)])
    assert result.exit_code == 2
    assert "--workers 2 needs --web-only" in result.output
    assert "deskpulse worker" in result.output


def test_workers_are_started_from_the_factory_with_what_serve_worked_out(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(serving.uvicorn, "run", lambda app_, **kw: calls.append((app_, kw)))
    monkeypatch.setattr(serving, "_exit_zero_after_sigterm", lambda: None)
    args = ["serve", "--web-only", "--workers", "3", "--port", "8123", "--config", str(isolated_env)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    [(target, kwargs)] = calls
    assert target == IMPORT_STRING
    assert kwargs["factory"] is True and kwargs["workers"] == 3
    assert kwargs["timeout_graceful_shutdown"] == serving.GRACEFUL_SHUTDOWN_SECONDS
    assert os.environ["DESKPULSE_CONFIG"] == str(isolated_env.resolve())
    assert ServeOptions.from_environ() == ServeOptions(public_url="http://127.0.0.1:8123", run_sync=False)
    assert (isolated_env.parent / "serve.db").is_file(), "the store is migrated before any worker starts"


def test_the_factory_builds_the_app_serve_described(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKPULSE_CONFIG", str(isolated_env))
    ServeOptions(public_url="https://desk.example.com").export()
    built = create()
    assert built.state.config.auth.public_url == "https://desk.example.com"
    assert str(built.state.config.database_url).endswith("serve.db")


def test_without_options_the_factory_uses_the_defaults() -> None:
    assert ServeOptions.from_environ({}) == ServeOptions(public_url=None, run_sync=False)


def test_a_sigterm_after_a_graceful_stop_exits_with_status_0() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    try:
        serving._exit_zero_after_sigterm()
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        with pytest.raises(SystemExit) as stopped:
            handler(signal.SIGTERM, None)
        assert stopped.value.code == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
