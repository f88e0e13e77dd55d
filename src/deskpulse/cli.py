"""The ``deskpulse`` command line: serve, worker, sync, demo, check."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from deskpulse.cli_clients import clients_app
from deskpulse.cli_reports import report as report_command
from deskpulse.cli_uptime import uptime_app
from deskpulse.cli_users import apikey_app, users_app
from deskpulse.cli_webhooks import webhooks_app
from deskpulse.config import Config, ConfigError, load_config
from deskpulse.connectors.registry import build_connector
from deskpulse.logs import setup_logging
from deskpulse.store.db import Database

app = typer.Typer(help="deskpulse: live service-desk dashboards from your helpdesk's API.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: $DESKPULSE_CONFIG, or env only)")
]
app.add_typer(users_app, name="users")
app.add_typer(apikey_app, name="apikey")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(uptime_app, name="uptime")
app.add_typer(clients_app, name="clients")
app.command("report")(report_command)


def _setup_logging(level: str = "INFO") -> None:
    setup_logging(level)


def _load(path: Path | None, *, need_sources: bool = False, browser: bool = False) -> Config:
    try:
        config = load_config(path)
    except ConfigError as exc:
        console.print(f"[red]Configuration problem:[/red]\n{exc}")
        raise typer.Exit(2) from exc
    if browser:
        config = _with_browser_settings(config)
    if need_sources and not config.sources:
        console.print(
            "[red]No sources configured.[/red] Set TRENGO_API_TOKEN (in the environment or .env) "
            "or pass --config with [[sources]]; `deskpulse demo` runs without any."
        )
        raise typer.Exit(2)
    return config


def _with_browser_settings(config: Config) -> Config:
    """``config`` with the sources and settings saved in the browser; exit 2 when their secrets are unreadable."""
    from deskpulse.secret_box import SecretKeyError
    from deskpulse.settings_store import with_browser_settings

    try:
        return with_browser_settings(config)
    except SecretKeyError as exc:
        console.print(f"[red]Saved credentials cannot be read:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def serve(
    config: ConfigOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    web_only: Annotated[bool, typer.Option("--web-only", help="Serve only; sync runs in `deskpulse worker`")] = False,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Web processes sharing the port (above 1 needs --web-only)")
    ] = 1,
    certfile: Annotated[Path | None, typer.Option("--certfile", help="TLS certificate (PEM): serve HTTPS")] = None,
    keyfile: Annotated[Path | None, typer.Option("--keyfile", help="TLS private key (PEM)")] = None,
) -> None:
    """Serve the dashboard (and, unless --web-only, keep syncing every source in the background)."""
    from deskpulse.web.app import create_app
    from deskpulse.web.serving import serve_app, serve_workers

    _setup_logging()
    if workers > 1 and not web_only:
        console.print(
            f"[red]--workers {workers} needs --web-only:[/red] several web processes must not all sync; "
            "run the sync in `deskpulse worker` next to them."
        )
        raise typer.Exit(2)
    if (certfile is None) != (keyfile is None):
        console.print("[red]Give both --certfile and --keyfile to serve HTTPS, or neither for HTTP.[/red]")
        raise typer.Exit(2)
    for path in (certfile, keyfile):
        if path is not None and not path.is_file():
            console.print(f"[red]{path} does not exist.[/red] `deskpulse cert --self-signed` writes a pair for a LAN.")
            raise typer.Exit(2)
    scheme = "https" if certfile else "http"
    cfg = _load(config)
    if not _with_browser_settings(cfg).sources:  # the app overlays them itself; this checks the secret key early
        console.print(
            "[yellow]No sources configured: add one in the browser (/setup/source) or try `deskpulse demo`.[/yellow]"
        )
    if "public_url" not in cfg.auth.model_fields_set:
        # Links in the log and in e-mails should at least point at this server when nothing else is configured.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - comparing, not binding
        cfg.auth.public_url = f"{scheme}://{shown}:{port}"
    tls = {"certfile": str(certfile), "keyfile": str(keyfile)} if certfile and keyfile else {}
    if workers > 1:
        serve_workers(cfg, config_path=config, workers=workers, host=host, port=port, tls=tls)
    else:
        serve_app(create_app(cfg, run_sync=not web_only, announce_setup=True), host=host, port=port, tls=tls)


@app.command()
def cert(
    self_signed: Annotated[
        bool, typer.Option("--self-signed", help="Write a self-signed development certificate")
    ] = False,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where cert.pem and key.pem go")] = Path("."),
    host: Annotated[
        list[str] | None, typer.Option("--host", help="Name or address the certificate is for (repeat)")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Validity in days")] = 365,
) -> None:
    """Write cert.pem and key.pem for `deskpulse serve --certfile cert.pem --keyfile key.pem` on a LAN."""
    from deskpulse.clock import utcnow
    from deskpulse.tls import write_self_signed

    if not self_signed:
        console.print("Only --self-signed is supported: for a public name use your CA's certificate and key.")
        raise typer.Exit(2)
    files = write_self_signed(out_dir, list(host or []), now=utcnow(), days=days)
    console.print(f"Wrote {files.certfile} and {files.keyfile} (browsers will ask you to trust it once).")


@app.command()
def worker(config: ConfigOpt = None) -> None:
    """Run the sync loop and the alert rules without the web server (one or more per installation)."""
    from deskpulse.alerts.worker import AlertsWorker
    from deskpulse.live.redis_bus import RedisBus
    from deskpulse.live.service import LiveService
    from deskpulse.reports.schedule import ReportsWorker
    from deskpulse.secret_box import box_from_environment
    from deskpulse.settings_store import SettingsOverlay
    from deskpulse.sync.engine import CycleResult
    from deskpulse.sync.scheduler import Scheduler, run_until_stopped
    from deskpulse.sync.uptime_poll import start_pollers, stop_pollers
    from deskpulse.web.app import prepare_store

    _setup_logging()
    file_cfg = _load(config)
    cfg = _load(config, need_sources=True, browser=True)

    async def main() -> None:
        db = Database(cfg.database_url)
        await asyncio.to_thread(prepare_store, db, cfg)
        # Sources saved in the browser later are started (and changed ones restarted) without a restart.
        overlay = SettingsOverlay(file_cfg, db, box_from_environment())
        # With Redis, every change reaches the pages of every web process; without it they watch the store.
        bus = RedisBus(cfg.redis_url) if cfg.redis_url else None
        live = LiveService(bus=bus)
        connectors = {s.name: build_connector(s) for s in cfg.ticket_sources}
        # Alert rules are evaluated after each good cycle and on their timer; idempotent across workers.
        alerts_worker = AlertsWorker(db, cfg, live=live)

        async def on_result(result: CycleResult) -> None:
            if bus is not None:
                await live.cycle_finished(result)
            await alerts_worker.cycle_finished(result)

        scheduler = Scheduler(
            db, cfg, connectors, on_result=on_result, refresh=overlay.current, connector_factory=build_connector
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        alerts_task = asyncio.create_task(alerts_worker.run_forever(stop), name="deskpulse-alerts")
        # Scheduled client reports ([reports] schedule); once per month across all workers.
        reports_task = asyncio.create_task(ReportsWorker(db, cfg).run_forever(stop), name="deskpulse-reports")
        uptime_pollers = start_pollers(
            db, cfg, stop, publish=live.publish if bus is not None else None, refresh=overlay.current
        )
        try:
            # On SIGTERM a running cycle gets 30 s to commit, then is cancelled; either way its lease is released.
            await run_until_stopped(scheduler, stop)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(alerts_task, timeout=10)
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(reports_task, timeout=10)
            await stop_pollers(uptime_pollers)
            await scheduler.aclose()
            if bus is not None:
                await bus.aclose()
            db.dispose()

    asyncio.run(main())


@app.command()
def sync(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle per source and exit")] = False,
    config: ConfigOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source")] = None,
) -> None:
    """Sync now. Exits non-zero, with the reason, when a source fails."""
    from deskpulse.sync.scheduler import Scheduler
    from deskpulse.web.app import prepare_store

    _setup_logging("WARNING")
    if not once:
        console.print("Use `deskpulse sync --once` for a single pass, or `deskpulse worker` to keep syncing.")
        raise typer.Exit(2)
    cfg = _load(config, need_sources=True, browser=True)
    if source is not None and source not in {s.name for s in cfg.sources}:
        console.print(f"[red]No source named {source!r}.[/red] Configured: {', '.join(s.name for s in cfg.sources)}.")
        raise typer.Exit(2)

    async def main() -> int:
        db = Database(cfg.database_url)
        await asyncio.to_thread(prepare_store, db, cfg)
        scheduler = Scheduler(db, cfg, {s.name: build_connector(s) for s in cfg.ticket_sources})
        failed = 0
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} tickets"),
        )
        try:
            with Progress(*columns, TimeElapsedColumn(), console=console, transient=False) as bar:
                for name in scheduler.engines:
                    if source is not None and name != source:
                        continue
                    task = bar.add_task(f"{name}: open tickets", total=None)

                    def advance(n: int, task: TaskID = task) -> None:
                        bar.update(task, completed=n)

                    results = await scheduler.run_once(name, progress=advance)
                    for r in results:
                        if r.ok:
                            bar.update(task, description=f"{name}: done", total=r.active, completed=r.active)
                            console.print(
                                f"{name}: {r.active} active tickets, {r.closed_seen} recently closed, "
                                f"{r.requests} requests in {r.seconds:.1f} s"
                            )
                        else:
                            failed += 1
                            console.print(f"[red]{name}: sync failed: {r.error}[/red]")
                    if not results:
                        console.print(f"[yellow]{name}: another process is syncing it right now; skipped.[/yellow]")
        finally:
            await scheduler.aclose()
            db.dispose()
        return failed

    raise typer.Exit(1 if asyncio.run(main()) else 0)


@app.command()
def check(config: ConfigOpt = None) -> None:
    """Validate the config and test each source's credentials; one sentence per problem."""
    from deskpulse.source_check import check_source

    cfg = _load(config, need_sources=True, browser=True)

    async def main() -> int:
        problems = 0
        for src in cfg.sources:
            outcome = await check_source(src)
            problems += 0 if outcome.ok else 1
            colour = "green" if outcome.ok else "red"
            console.print(f"[{colour}]{src.name}[/{colour}] ({src.kind}, {src.base_url}): {outcome.message}")
        try:
            Database(cfg.database_url).engine.connect().close()
        except Exception as exc:
            problems += 1
            console.print(f"[red]database[/red]: cannot connect to {cfg.database_url.split('@')[-1]}: {exc}")
        return problems

    raise typer.Exit(1 if asyncio.run(main()) else 0)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the dashboard")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    event_rate: Annotated[
        float, typer.Option(min=0.01, max=1000, help="How many times as often the simulated desks change")
    ] = 1.0,
) -> None:
    """Run deskpulse against built-in Trengo, Freshservice and Autotask simulators: no token, no config, no network."""
    from deskpulse.demo import run_demo

    _setup_logging()
    try:
        asyncio.run(run_demo(host=host, port=port, say=console.print, event_rate=event_rate))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    app()
