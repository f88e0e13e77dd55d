"""Application factory: one FastAPI app serving pages, JSON and health, optionally running the sync loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from deskpulse import __version__
from deskpulse.alerts.worker import AlertsWorker
from deskpulse.auth import sessions
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.connectors.registry import build_connector
from deskpulse.live.hub import Hub
from deskpulse.live.service import LiveService
from deskpulse.metrics.envelope import failure, uses_envelope
from deskpulse.reports.schedule import ReportsWorker
from deskpulse.secret_box import box_from_environment
from deskpulse.settings_store import SettingsOverlay
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.migrate import exclusive_setup, upgrade
from deskpulse.store.outage import log_failure, store_outage
from deskpulse.store.sources import ensure_source
from deskpulse.sync.engine import CycleResult
from deskpulse.sync.scheduler import Scheduler
from deskpulse.sync.uptime_poll import start_pollers, stop_pollers
from deskpulse.web import (
    account,
    admin_pages,
    board_page,
    charts,
    kiosk,
    metrics_pages,
    pages,
    portal,
    reports_pages,
    settings_api,
    settings_pages,
    setup_wizard,
    tv_pages,
    uptime_pages,
)
from deskpulse.web.alert_words import install_alert_words
from deskpulse.web.allowed_methods import allowed_methods
from deskpulse.web.api import (
    admin,
    alerts,
    audit_log,
    board,
    dashboard,
    desk_actions,
    desk_metrics,
    desk_tickets,
    health,
    history,
    hooks,
    keys,
    kiosk_links,
    source_status,
    stream,
    tickets,
    tv,
    uptime,
    uptime_admin,
    uptime_suggestions,
)
from deskpulse.web.api import reports as reports_api
from deskpulse.web.api.errors import drop_unused_422
from deskpulse.web.auth import Public
from deskpulse.web.i18n import install_i18n
from deskpulse.web.live_setup import start_live, stop_live
from deskpulse.web.security import install_security

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).parent


def prepare_store(db: Database, config: Config) -> None:
    """Migrate the schema and register every configured source and client (one process at a time)."""
    with exclusive_setup(db.engine):
        upgrade(db.engine)
        with db.session() as session:
            for source in config.sources:
                ensure_source(session, source)
            sync_clients(session, config.clients)


def announce_first_admin(db: Database, config: Config) -> None:
    """With no users yet, log a one-time link (24 h) that creates the first admin."""
    link = account.ensure_first_admin_link(db, config, utcnow())
    if link is not None:
        log.warning("No users yet. Create the first admin within 24 hours at: %s", link)


def create_app(
    config: Config,
    *,
    db: Database | None = None,
    run_sync: bool = False,
    connector_kwargs: dict[str, dict[str, Any]] | None = None,
    announce_setup: bool = False,
) -> FastAPI:
    """Build the web app. With ``run_sync`` the app also polls its sources in the background."""
    database = db or Database(config.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(prepare_store, database, config)
        # Settings saved in the browser (sources, time zone, hours) overlay the file from here on.
        cfg = app.state.config = await asyncio.to_thread(app.state.settings.current)
        if announce_setup:
            await asyncio.to_thread(announce_first_admin, database, cfg)
        # The chart bundle takes seconds to generate; build it before the first page asks for it.
        await asyncio.to_thread(charts.warm_bundle)
        stop = asyncio.Event()
        live_tasks = start_live(app, database, cfg, stop, syncing=run_sync)
        live_tasks.append(asyncio.create_task(follow_settings(app, stop), name="deskpulse-settings"))
        scheduler = None
        # Always with run_sync: sources added in the browser later start syncing without a restart.
        if run_sync:
            kwargs = connector_kwargs or {}
            connectors = {s.name: build_connector(s, **kwargs.get(s.name, {})) for s in cfg.ticket_sources}
            alerts_worker = AlertsWorker(database, cfg, live=app.state.live, connector_kwargs=kwargs)
            live_service = app.state.live

            async def on_result(result: CycleResult) -> None:
                await live_service.cycle_finished(result)
                await alerts_worker.cycle_finished(result)

            scheduler = Scheduler(
                database, cfg, connectors, on_result=on_result, refresh=lambda: refreshed(app),
                connector_factory=lambda s: build_connector(s, **kwargs.get(s.name, {})),
            )  # fmt: skip
            app.state.scheduler = scheduler
            app.state.alerts_task = asyncio.create_task(alerts_worker.run_forever(stop), name="deskpulse-alerts")
            app.state.scheduler_task = asyncio.create_task(scheduler.run_forever(stop), name="deskpulse-sync")
            app.state.reports_task = asyncio.create_task(
                ReportsWorker(database, cfg).run_forever(stop), name="deskpulse-reports"
            )
        # LibreNMS sources: the uptime poller, next to the ticket sync (its events go out like the sync's); like
        # the scheduler it follows the sources saved in the browser.
        uptime_pollers = (
            start_pollers(
                database,
                cfg,
                stop,
                connector_kwargs=connector_kwargs,
                publish=app.state.live.publish,
                refresh=lambda: refreshed(app),
            )
            if run_sync
            else None
        )
        try:
            yield
        finally:
            app.state.hub.close()  # open streams end politely before anything else stops
            stop.set()
            await stop_live(app, live_tasks)
            task = app.state.scheduler_task
            if task is not None:
                # Let an in-flight cycle commit or roll back; cancel it if it takes too long.
                done, _ = await asyncio.wait({task}, timeout=30)
                if not done:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                app.state.scheduler_task = None
            reports_task = getattr(app.state, "reports_task", None)
            if reports_task is not None:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(reports_task, timeout=10)
            alerts_task = getattr(app.state, "alerts_task", None)
            if alerts_task is not None:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(alerts_task, timeout=10)
            if scheduler is not None:
                await scheduler.aclose()
            await stop_pollers(uptime_pollers)
            await hooks.shutdown(app)

    app = FastAPI(
        title="deskpulse",
        version=__version__,
        description="Live service-desk dashboards served from a local store that keeps syncing.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.config = config
    app.state.db = database
    app.state.settings = SettingsOverlay(config, database, box_from_environment())
    app.state.scheduler = None
    app.state.scheduler_task = None
    app.state.hub = Hub()
    app.state.live = LiveService(hub=app.state.hub)
    # Test and demo transports per source name; write-back builds its connectors with the same arguments.
    app.state.connector_kwargs = connector_kwargs or {}
    app.state.started_monotonic = time.monotonic()
    app.state.templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    # Pages speak the request's language and show times in the desk's time zone; the JSON keeps UTC.
    install_i18n(app.state.templates.env, lambda: app.state.config.tz)  # Settings may change the zone
    install_alert_words(app.state.templates.env)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    _install_docs(app)
    # The wizard's /setup/source, /setup/hours, /setup/first-sync come before the first-admin /setup/{token}.
    routers: list[ModuleType] = [setup_wizard, settings_pages, settings_api]
    routers += [dashboard, history, tickets, board, health, pages, portal, account, board_page]
    routers += [admin, keys, audit_log, kiosk_links, admin_pages, kiosk, desk_metrics, desk_tickets, desk_actions]
    routers += [metrics_pages, stream, hooks, alerts]
    routers += [uptime, uptime_admin, uptime_suggestions, source_status, uptime_pages]
    routers += [reports_api, reports_pages]
    routers += [tv, tv_pages]
    for module in routers:
        app.include_router(module.router)
    _install_error_handlers(app)
    drop_unused_422(app)  # invalid input answers 400, as every operation declares
    # Last, so its layers run first: headers, CORS, body limit, rate limit, CSRF.
    # Webhook receivers are posted to by vendors' servers and carry no cookie; their signature is their proof.
    install_security(app, config, session_cookie=sessions.COOKIE, csrf_exempt=("/hooks/",))
    return app


def refreshed(app: FastAPI) -> Config:
    """The effective config after settings saved in the browser (by any process); also the app's from now on."""
    config: Config = app.state.settings.current()
    app.state.config = config
    return config


async def follow_settings(app: FastAPI, stop: asyncio.Event, every: float = 5.0) -> None:
    """Keep ``app.state.config`` up to date with settings saved by other processes (``serve --web-only``)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(refreshed, app)
        except Exception as exc:  # keep serving with the settings we have; the log says why
            log_failure(log, "re-reading the settings saved in the browser failed", exc)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle package: works on a LAN with no internet."""
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False, dependencies=[Public])
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="deskpulse API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/static/img/favicon.svg",
        )


def id_out_of_range(exc: Exception) -> bool:
    """True when a statement failed only because a number did not fit the column (SQLite's driver raises
    OverflowError while binding it, PostgreSQL answers numeric_value_out_of_range)."""
    if isinstance(exc, OverflowError):
        return True
    orig = exc.orig if isinstance(exc, StatementError) else None
    return isinstance(orig, OverflowError) or getattr(orig, "sqlstate", None) == "22003"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = failure(str(exc.detail)) if uses_envelope(request.url.path) else {"detail": exc.detail}
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(app, request.url.path))}
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # "body: Field required" when the whole body is missing, not ": Field required".
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p not in ('query', 'body')) or 'body'}: {err.get('msg')}"
            for err in exc.errors()
        ]
        message = "; ".join(problems) or "invalid request"
        body = failure(message) if uses_envelope(request.url.path) else {"detail": message}
        return JSONResponse(body, status_code=400)

    @app.exception_handler(StatementError)
    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # An id beyond the database's 64-bit integers (a typo, a fuzzer) names nothing: 404, not a 500.
        if id_out_of_range(exc):
            message = "Not found: that id is out of range."
            body = failure(message) if uses_envelope(request.url.path) else {"detail": message}
            return JSONResponse(body, status_code=404)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if (outage := store_outage(exc)) is not None:
            # The database restarting or a full disk: the operator's to fix, the client's to retry; not a bug.
            log.warning("answered 503 to %s: %s", request.url.path, outage)
            message = f"{outage}. Try again in a moment."
            body = failure(message) if uses_envelope(request.url.path) else {"detail": message}
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "Internal error; the server log has the details."}, status_code=500)
