"""`deskpulse users` and `deskpulse apikey`: one line on success, a sentence and exit 2 on a problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from deskpulse.auth import tokens
from deskpulse.cli import app
from deskpulse.config import load_config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app

runner = CliRunner()
STRONG = "correct horse battery staple"


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DESKPULSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DESKPULSE_CONFIG", raising=False)
    path = tmp_path / "deskpulse.toml"
    path.write_text(
        f'database_url = "sqlite:///{tmp_path / "users.db"}"\n\n'
        '[[clients]]\nid = "acme"\nname = "Acme"\nemail_domains = ["acme.test"]\n',
        encoding="utf-8",
    )
    return path


def cli(config_file: Path, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, [*args, "--config", str(config_file)], input=stdin)


def test_users_create_reads_the_password_from_stdin_and_prints_one_line(config_file: Path) -> None:
    result = cli(config_file, "users", "create", "--email", "Ada@Desk.test", "--role", "admin", "--password-stdin",
                 stdin=f"{STRONG}\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Created admin ada@desk.test (id 1)."


def test_users_create_prompts_twice_for_a_hidden_password(config_file: Path) -> None:
    result = cli(config_file, "users", "create", "--email", "cleo@acme.test", "--role", "customer",
                 "--client", "acme", "--name", "Cleo", stdin=f"{STRONG}\n{STRONG}\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert STRONG not in result.output
    assert result.output.strip().endswith("Created customer cleo@acme.test (id 1).")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--email", "ada@desk.test", "--role", "admin"), "already exists"),
        (("--email", "bo@desk.test", "--role", "wizard"), "Unknown role 'wizard'"),
        (("--email", "bo@desk.test", "--role", "customer"), "must be given at least one client"),
        (("--email", "bo@desk.test", "--role", "viewer", "--client", "nope"), "Unknown client(s): nope"),
    ],
)
def test_users_create_refuses_a_bad_request_with_exit_2_and_a_sentence(
    config_file: Path, args: tuple[str, ...], reason: str
) -> None:
    cli(config_file, "users", "create", "--email", "ada@desk.test", "--role", "admin", "--password-stdin",
        stdin=f"{STRONG}\n")  # fmt: skip
    result = cli(config_file, "users", "create", *args, "--password-stdin", stdin=f"{STRONG}\n")
    assert result.exit_code == 2
    assert reason in result.output


def test_users_create_refuses_a_weak_password(config_file: Path) -> None:
    result = cli(config_file, "users", "create", "--email", "bo@desk.test", "--role", "viewer", "--password-stdin",
                 stdin="short\n")  # fmt: skip
    assert result.exit_code == 2
    assert "at least 10 characters" in result.output


def test_users_list_shows_every_user_in_a_table(config_file: Path) -> None:
    for email, role in (("ada@desk.test", "admin"), ("val@desk.test", "viewer")):
        cli(config_file, "users", "create", "--email", email, "--role", role, "--password-stdin", stdin=f"{STRONG}\n")
    result = cli(config_file, "users", "list")
    assert result.exit_code == 0, result.output
    assert "ada@desk.test" in result.output and "val@desk.test" in result.output
    assert "viewer" in result.output


def test_apikey_create_prints_a_working_key_last_and_revoke_stops_it(config_file: Path) -> None:
    created = cli(config_file, "apikey", "create", "--name", "wallboard", "--role", "viewer", "--client", "acme")
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    prefix = tokens.prefix_of(secret)
    assert prefix is not None
    config = load_config(config_file, env_file=None)
    db = Database(config.database_url)
    try:
        with TestClient(create_app(config, db=db)) as client:
            assert client.get("/api/dashboard", headers={"X-API-Key": secret}).status_code == 200
            revoked = cli(config_file, "apikey", "revoke", prefix)
            assert revoked.exit_code == 0, revoked.output
            assert client.get("/api/dashboard", headers={"X-API-Key": secret}).status_code == 401
        with db.session() as session:
            from deskpulse.web.api.audit_log import AuditFilter, read_audit

            entries = read_audit(session, AuditFilter(actor="cli")).entries
        assert [e.action for e in entries] == ["apikey.revoke", "apikey.create"]
    finally:
        db.dispose()


def test_apikey_revoke_of_an_unknown_prefix_exits_2(config_file: Path) -> None:
    result = cli(config_file, "apikey", "revoke", "nope")
    assert result.exit_code == 2
    assert "no API key with prefix 'nope'" in result.output
