"""``deskpulse uptime``: load service dependency graphs from the server's shell.

``deskpulse uptime import FILE`` exits 0 when the graph was stored (or, with ``--dry-run``, would be) and 2
when the file has problems, listing every one with its line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from deskpulse.auth.audit import record
from deskpulse.clock import utcnow
from deskpulse.store.db import Database
from deskpulse.store.uptime_graphs import ClientDirectory, default_effective_date, parse_graph, save_version
from deskpulse.uptime import GraphImportError, detect_format
from deskpulse.uptime.edits import dated
from deskpulse.uptime_config import calendars

uptime_app = typer.Typer(help="Service uptime: import dependency graphs.", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: $DESKPULSE_CONFIG, or env only)")
]


def _say(console: Console, message: str) -> None:
    console.print(message, markup=False, highlight=False)


@uptime_app.command("import")
def import_graph(
    file: Annotated[Path, typer.Argument(help="A YAML or CSV graph file (see docs/uptime.md)")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the file; store nothing")] = False,
    effective_from: Annotated[
        str | None, typer.Option("--effective-from", help="Local date the version applies from (YYYY-MM-DD)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Import a dependency graph as a new version; every problem in the file is listed with its line."""
    from deskpulse.cli import _load
    from deskpulse.web.app import prepare_store

    if not file.is_file():
        _say(err, f"{file} does not exist.")
        raise typer.Exit(2)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _say(err, f"{file} is not UTF-8 text.")
        raise typer.Exit(2) from None
    day = None
    if effective_from is not None:
        try:
            day = date.fromisoformat(effective_from)
        except ValueError:
            _say(err, f"--effective-from {effective_from!r} is not a date like 2026-10-01.")
            raise typer.Exit(2) from None
    cfg = _load(config)
    db = Database(cfg.database_url)
    try:
        prepare_store(db, cfg)
        with db.session() as session:
            try:
                version = parse_graph(
                    text, ClientDirectory.load(session), filename=file.name, default_tz=cfg.tz,
                    schedules=sorted(calendars(cfg.sla_policy)), effective_from=day,
                )  # fmt: skip
            except GraphImportError as exc:
                _say(err, f"{file}: {exc}")
                raise typer.Exit(2) from None
            now = utcnow()
            if version.effective_from is None:
                version = dated(version, default_effective_date(session, now.astimezone(cfg.tz).date()))
            since = version.effective_from.isoformat() if version.effective_from else "always"
            counts = f"{len(version.hostnames)} devices, {len(version.services)} services, " + (
                f"{len(version.maintenance)} maintenance windows, effective from {since}"
            )
            if dry_run:
                _say(out, f"{file}: no problems ({counts}); nothing stored (--dry-run).")
                return
            fmt = detect_format(text, file.name)
            row = save_version(session, version, fmt=fmt, now=now, created_by="cli", text=text)
            record(session, at=now, actor="cli", action="uptime.graph.import", target=file.name,
                   detail={"version": row.id, "effective_from": since})  # fmt: skip
            _say(out, f"{file}: stored as graph version {row.id} ({counts}).")
    finally:
        db.dispose()
