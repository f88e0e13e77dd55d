"""``deskpulse users`` and ``deskpulse apikey``: manage people and keys from the server's shell."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth import apikeys
from deskpulse.auth.audit import record
from deskpulse.auth.passwords import PasswordPolicyError
from deskpulse.auth.principal import Principal
from deskpulse.auth.roles import Role
from deskpulse.auth.users import UserError, create_user
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.store.auth_tables import ApiKeyRow
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database

users_app = typer.Typer(help="Create and list users.", no_args_is_help=True)
apikey_app = typer.Typer(help="Create and revoke API keys.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: $DESKPULSE_CONFIG, or env only)")
]
ClientOpt = Annotated[list[str] | None, typer.Option("--client", help="Client id (repeat for several)")]
# Keys made on the server's shell act as the installation itself, with admin rights.
SYSTEM = Principal(kind="user", role=Role.ADMIN, actor="cli", client_ids=None, name="cli")


def _fail(message: str) -> typer.Exit:
    err.print(message, markup=False, highlight=False)
    return typer.Exit(2)


@contextmanager
def _store(config_path: Path | None) -> Iterator[tuple[Config, Session]]:
    """The config and one committed transaction on its prepared store (clients registered)."""
    from deskpulse.cli import _load
    from deskpulse.web.app import prepare_store

    config = _load(config_path)
    db = Database(config.database_url)
    try:
        prepare_store(db, config)
        with db.session() as session:
            sync_clients(session, config.clients)
            yield config, session
    finally:
        db.dispose()


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise _fail(f"Unknown role {value!r}; choose one of {', '.join(r.value for r in Role)}.") from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option("--email", help="Sign-in e-mail address")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(r.value for r in Role)}")],
    client: ClientOpt = None,
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    config: ConfigOpt = None,
) -> None:
    """Create a user with a password (prompted twice, hidden, unless --password-stdin)."""
    wanted = _role(role)
    password = _password(password_stdin)
    try:
        with _store(config) as (cfg, session):
            user = create_user(
                session, email=email, role=wanted, now=utcnow(), password=password, name=name, clients=client or [],
                min_password_length=cfg.auth.password_min_length,
            )  # fmt: skip
            record(
                session, at=utcnow(), actor="cli", action="user.create", target=user.email,
                detail={"role": wanted.value, "clients": sorted(client or []), "password_set": True},
            )  # fmt: skip
            summary = f"Created {wanted.value.replace('_', ' ')} {user.email} (id {user.id})."
    except (UserError, PasswordPolicyError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(summary)


@users_app.command("list")
def users_list(config: ConfigOpt = None) -> None:
    """Every user with role, clients and state."""
    from deskpulse.web.api.admin import list_users

    with _store(config) as (_, session):
        users = list_users(session)
    table = Table("id", "e-mail", "name", "role", "clients", "active", "2FA", "last sign-in")
    for u in users:
        last = u.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if u.last_sign_in_at else "never"
        table.add_row(
            str(u.id), u.email, u.name, u.role, ", ".join(u.clients), "yes" if u.is_active else "no",
            "on" if u.totp_enabled else "off", last,
        )  # fmt: skip
    out.print(table)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option("--name", help="What or who uses the key")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(r.value for r in Role)}")],
    client: ClientOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Create a key; prints the secret (only now) on the last line."""
    wanted = _role(role)
    try:
        with _store(config) as (_, session):
            row, secret = apikeys.create(
                session, creator=SYSTEM, name=name, role=wanted, clients=client or None, now=utcnow()
            )
            record(
                session, at=utcnow(), actor="cli", action="apikey.create", target=row.prefix,
                detail={"name": row.name, "role": row.role, "clients": row.client_keys},
            )  # fmt: skip
    except apikeys.ApiKeyError as exc:
        raise _fail(str(exc)) from exc
    err.print(f"API key {row.prefix} ({wanted.value}) created; it is shown only now:", highlight=False)
    typer.echo(secret)


@apikey_app.command("revoke")
def apikey_revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix")], config: ConfigOpt = None) -> None:
    """Revoke a key; requests with it are refused from the next one on."""
    with _store(config) as (_, session):
        row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix.strip()))
        if row is None:
            raise _fail(f"There is no API key with prefix {prefix!r}.")
        if row.revoked_at is None:
            apikeys.revoke(session, row.prefix, now=utcnow())
            record(session, at=utcnow(), actor="cli", action="apikey.revoke", target=row.prefix)
    typer.echo(f"Revoked API key {row.prefix}.")
