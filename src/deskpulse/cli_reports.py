"""``deskpulse report``: build (and send) one period's client reports from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from deskpulse.clock import utcnow
from deskpulse.config import Config, ConfigError, load_config
from deskpulse.reports.batch import FAILED, BatchItem, BatchOptions, run_client
from deskpulse.reports.runs import mark_interrupted
from deskpulse.store.db import Database

console = Console(stderr=True, soft_wrap=True)


def _load(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        console.print(f"[red]Configuration problem:[/red]\n{exc}")
        raise typer.Exit(2) from exc


def _clients(cfg: Config, client: str | None, all_clients: bool) -> list[str]:
    if (client is None) == (not all_clients):
        console.print("[red]Give either --client KEY or --all-clients.[/red]")
        raise typer.Exit(2)
    known = [c.id for c in cfg.clients]
    if client is not None and client not in known:
        console.print(f"[red]No client {client!r}.[/red] Configured: {', '.join(known) or 'none'}.")
        raise typer.Exit(2)
    if not known:
        console.print("[red]No clients configured:[/red] add [[clients]] to the configuration.")
        raise typer.Exit(2)
    return [client] if client is not None else known


def _summary(items: list[BatchItem]) -> None:
    table = Table(title="Reports")
    for column in ("Client", "Outcome", "Run", "Sent"):
        table.add_column(column)
    for item in items:
        colour = "red" if item.outcome == FAILED else "green"
        table.add_row(item.client, f"[{colour}]{item.outcome}[/{colour}]", str(item.run_id or "–"), item.sent or "–")
    console.print(table)
    for item in items:
        if item.outcome == FAILED:
            console.print(f"[red]{item.client}:[/red] {item.error}")


def report(
    period: Annotated[str, typer.Option("--period", help="2026-10, 2026-Q3 or 2026-10-01..2026-10-15")],
    client: Annotated[str | None, typer.Option("--client", help="One client's key")] = None,
    all_clients: Annotated[bool, typer.Option("--all-clients", help="Every configured client")] = False,
    send: Annotated[bool, typer.Option("--send", help="E-mail each report to its recipients")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Build in memory only: store nothing, send nothing")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Build again clients whose report is already done")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write each report's HTML, PDF and .eml here")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML config file")] = None,
) -> None:
    """Build one period's client reports; exits 1 when any client failed (one sentence per failure)."""
    from deskpulse.web.app import prepare_store

    cfg = _load(config)
    keys = _clients(cfg, client, all_clients)
    opts = BatchOptions(period=period, send=send, dry_run=dry_run, force=force, out=out)

    async def main() -> list[BatchItem]:
        db = Database(cfg.database_url)
        await asyncio.to_thread(prepare_store, db, cfg)
        await asyncio.to_thread(mark_interrupted, db, utcnow())  # runs a killed batch left behind
        items: list[BatchItem] = []
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=console) as bar:
                task = bar.add_task(f"Reports {period}", total=len(keys))
                for key in keys:
                    bar.update(task, description=f"Reports {period}: {key}")
                    items.append(await run_client(db, cfg, key, opts))
                    bar.advance(task)
        finally:
            db.dispose()
        return items

    items = asyncio.run(main())
    _summary(items)
    raise typer.Exit(1 if any(i.outcome == FAILED for i in items) else 0)
