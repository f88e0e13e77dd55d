"""``deskpulse clients discover``: the vendor accounts (Freshservice departments/companies, Autotask companies) no
configured client claims yet, so an admin can copy them into ``[[clients]] accounts``.

Accounts are read from the store, where each sync stores them when it refreshes the source's directory;
``--refresh`` reads them from the vendors first. Exit codes: 0 listed, 1 a vendor could not be read, 2 bad input.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.connectors.base import ConnectorError
from deskpulse.store.db import Database
from deskpulse.store.sources import ensure_source
from deskpulse.store.vendor_accounts import DiscoveredAccount, discover_accounts, store_vendor_accounts

clients_app = typer.Typer(help="Clients: find the vendor accounts to map to them.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True, highlight=False, markup=False)
out = Console(soft_wrap=True, highlight=False, markup=False)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: $DESKPULSE_CONFIG, or env only)")
]
# Extra connector arguments per source name (tests: an in-process transport to a simulator). Empty in normal use.
connector_kwargs: dict[str, dict[str, Any]] = {}


async def _refresh(db: Database, config: Config, names: list[str]) -> list[str]:
    """Read the accounts of the named sources from the vendors and store them; returns the failures."""
    from deskpulse.connectors.registry import build_connector

    failures: list[str] = []
    for source in config.sources:
        if source.name not in names:
            continue
        connector = build_connector(source, **connector_kwargs.get(source.name, {}))
        try:
            directory = await connector.fetch_directory()
        except ConnectorError as exc:
            failures.append(f"{source.name}: {exc.message}")
            continue
        finally:
            await connector.aclose()
        if directory.accounts is None:
            continue
        with db.session() as session:
            row = ensure_source(session, source)
            store_vendor_accounts(session, row.id, directory.accounts, now=utcnow())
    return failures


def _rows(found: list[DiscoveredAccount]) -> list[dict[str, Any]]:
    return [
        {"source": a.source, "kind": a.kind, "id": a.external_id, "name": a.name, "tickets": a.tickets,
         "client": a.client, "reference": a.reference}
        for a in found
    ]  # fmt: skip


@clients_app.command("discover")
def discover(
    refresh: Annotated[bool, typer.Option("--refresh", help="Read the accounts from the vendors first")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Also list accounts a client already claims")] = False,
    source: Annotated[list[str] | None, typer.Option("--source", help="Only this source; repeat for several")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    config: ConfigOpt = None,
) -> None:
    """List vendor accounts no client claims: source, kind, id, name and how many stored tickets they have."""
    from deskpulse.cli import _load
    from deskpulse.web.app import prepare_store

    cfg = _load(config)
    ticket_sources = [s.name for s in cfg.sources if s.kind != "librenms"]
    names = source or ticket_sources
    unknown = sorted(set(names) - set(ticket_sources))
    if unknown:
        err.print(f"--source names no ticket source in the config: {', '.join(unknown)}.")
        raise typer.Exit(2)
    db = Database(cfg.database_url)
    try:
        prepare_store(db, cfg)
        failures = asyncio.run(_refresh(db, cfg, names)) if refresh else []
        with db.session() as session:
            found = [a for a in discover_accounts(session, cfg.clients) if a.source in names]
    finally:
        db.dispose()
    if not show_all:
        found = [a for a in found if a.client is None]
    if as_json:
        out.print(json.dumps(_rows(found), indent=2))
    elif not found:
        out.print(
            "No unclaimed vendor accounts." if refresh or show_all else
            "No unclaimed vendor accounts stored (a sync stores them; --refresh reads them now)."
        )  # fmt: skip
    else:
        table = Table("source", "kind", "id", "name", "tickets", *(["client"] if show_all else []))
        for a in found:
            table.add_row(
                a.source, a.kind, a.external_id, a.name, str(a.tickets), *([a.client or ""] if show_all else [])
            )
        out.print(table)
        out.print('Add one to a client as  accounts = ["<source>:<kind>:<id>"]  under its [[clients]] entry.')
    for failure in failures:
        err.print(f"Could not read the accounts of {failure}")
    if failures:
        raise typer.Exit(1)
