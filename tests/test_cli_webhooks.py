"""`deskpulse webhooks register` against the simulators (in-process): secrets printed, clear exit codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
import typer
from typer.testing import CliRunner

from deskpulse import cli_webhooks
from deskpulse.cli_webhooks import webhooks_app
from deskpulse.connectors.autotask import webhooks as autotask_hooks
from deskpulse.connectors.trengo.webhooks import EVENT_TYPES
from deskpulse.simulators.autotask import SIM_INTEGRATION_CODE, SIM_SECRET, SIM_USERNAME, AutotaskScenario
from deskpulse.simulators.autotask import create_app as create_at_app
from deskpulse.simulators.trengo_scenario import TrengoScenario
from support import SIM_BASE, SIM_TOKEN, RecordingSleep, simulator

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
runner = CliRunner()
# As cli.py registers it: `deskpulse webhooks register ...`.
cli = typer.Typer()
cli.add_typer(webhooks_app, name="webhooks")


@cli.command()
def version() -> None:
    """A second command, so the test app is a group like the real one."""


def run(tmp_path: Path, args: list[str], token: str = SIM_TOKEN, config: str | None = None) -> Any:
    env = {"TRENGO_API_TOKEN": token, "TRENGO_BASE_URL": SIM_BASE, "DESKPULSE_CONFIG": "",
           "DESKPULSE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}  # fmt: skip
    if config is not None:
        path = tmp_path / "deskpulse.toml"
        path.write_text(config, encoding="utf-8")
        env["DESKPULSE_CONFIG"] = str(path)
    return runner.invoke(cli, ["webhooks", "register", *args], env=env)


@pytest.fixture
def trengo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    sim = simulator(TrengoScenario(41, open_tickets=3, history_days=1, now=NOW))
    kwargs = {"transport": httpx2.ASGITransport(app=sim), "sleep": RecordingSleep()}
    monkeypatch.setitem(cli_webhooks.connector_kwargs, "trengo", kwargs)
    return sim


AUTOTASK = f"""
[[sources]]
name = "at"
kind = "autotask"
username = "{SIM_USERNAME}"
secret = "{SIM_SECRET}"
integration_code = "{SIM_INTEGRATION_CODE}"
zone_lookup_url = "http://sim.test/atservicesrest/v1.0/zoneInformation"

[[sources]]
name = "fs"
kind = "freshservice"
base_url = "https://desk.freshservice.com/api/v2"
api_key = "key"
"""


@pytest.fixture
def autotask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    sim = create_at_app(AutotaskScenario.empty(now=NOW))
    kwargs = {"transport": httpx2.ASGITransport(app=sim), "sleep": RecordingSleep()}
    monkeypatch.setitem(cli_webhooks.connector_kwargs, "at", kwargs)
    return sim


def test_trengo_gets_one_webhook_per_event_and_every_secret_is_printed(trengo: Any, tmp_path: Path) -> None:
    result = run(tmp_path, ["--source", "trengo", "--url", "https://desk.example/"])

    assert result.exit_code == 0, result.output
    hooks = trengo.state.webhooks.hooks.values()
    assert sorted(h.type for h in hooks) == sorted(EVENT_TYPES)
    assert {h.url for h in hooks} == {"https://desk.example/hooks/trengo/trengo"}
    line = next(line for line in result.output.splitlines() if line.strip().startswith("webhook_secret = ["))
    assert all(h.signing_secret in line for h in hooks)


def test_a_trengo_refusal_exits_1_and_leaves_no_webhook_behind(trengo: Any, tmp_path: Path) -> None:
    args = ["--source", "trengo", "--url", "https://desk.example", "--event", "TICKET_CLOSED", "--event", "BOGUS"]
    result = run(tmp_path, args)

    assert result.exit_code == 1
    assert "Trengo did not create the webhooks" in result.output and "HTTP 422" in result.output
    assert trengo.state.webhooks.hooks == {}, "the webhook made before the refusal was deleted again"


def test_rejected_trengo_credentials_exit_1_with_a_sentence(trengo: Any, tmp_path: Path) -> None:
    result = run(tmp_path, ["--source", "trengo", "--url", "https://desk.example"], token="wrong")
    assert result.exit_code == 1
    assert "rejected the credentials (HTTP 401)" in result.output and "Traceback" not in result.output


def test_autotask_gets_a_webhook_with_its_fields_and_the_printed_secret_verifies_its_callouts(
    autotask: Any, tmp_path: Path
) -> None:
    args = ["--source", "at", "--url", "https://desk.example", "--field-id", "4", "--field-id", "17"]
    result = run(tmp_path, args, config=AUTOTASK)

    assert result.exit_code == 0, result.output
    (hook,) = autotask.state.webhooks.hooks.values()
    assert hook.url == "https://desk.example/hooks/autotask/at" and hook.fields == [4, 17]
    printed = re.search(r'webhook_secret = "([^"]+)"', result.output)
    assert printed is not None and printed.group(1) == hook.secret and len(hook.secret) <= 64
    headers, body = autotask.state.webhooks.callout(12)
    assert autotask_hooks.verify(printed.group(1), headers["X-Hook-Signature"], body)


def test_autotask_without_a_field_id_is_bad_input(autotask: Any, tmp_path: Path) -> None:
    result = run(tmp_path, ["--source", "at", "--url", "https://desk.example"], config=AUTOTASK)
    assert result.exit_code == 2 and "--field-id" in result.output
    assert autotask.state.webhooks.hooks == {}


def test_freshservice_gets_the_workflow_automator_steps_and_a_secret(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(tmp_path, ["--source", "fs", "--url", "https://desk.example"], config=AUTOTASK)

    assert result.exit_code == 0, result.output
    assert "Workflow Automator" in result.output and "https://desk.example/hooks/freshservice/fs" in result.output
    secret = re.search(r'webhook_secret = "([^"]+)"', result.output)
    assert secret is not None and f"X-Deskpulse-Secret: {secret.group(1)}" in result.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--source", "nope", "--url", "https://desk.example"], "no source named 'nope'"),
        (["--source", "trengo", "--url", "desk.example"], "absolute http(s) URL"),
        (["--source", "trengo", "--url", "https://desk.example", "--field-id", "4"], "Autotask sources only"),
    ],
)
def test_bad_input_exits_2_with_a_sentence(trengo: Any, tmp_path: Path, args: list[str], words: str) -> None:
    result = run(tmp_path, args)
    assert result.exit_code == 2 and words in result.output
    assert trengo.state.webhooks.hooks == {}
