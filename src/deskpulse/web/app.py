"""Application factory: one FastAPI app serving pages, JSON and health, optionally running the sync loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from deskpulse import __version__
from deskpulse.config import Config
from deskpulse.connectors.registry import build_connector
from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from deskpulse.store.sources import ensure_source
from deskpulse.sync.scheduler import Scheduler
from deskpulse.web import pages
from deskpulse.web.api import dashboard, health, history

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).parent


def prepare_store(db: Database, config: Config) -> None:
    """Migrate the schema and register every configured source."""
    upgrade(db.engine)
    with db.session() as session:
        for source in config.sources:
            ensure_source(session, source)


def create_app(
    config: Config,
    *,
    db: Database | None = None,
    run_sync: bool = False,
    connector_kwargs: dict[str, dict[str, Any]] | None = None,
) -> FastAPI:
    """Build the web app. With ``run_sync`` the app also polls its sources in the background."""
    database = db or Database(config.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(prepare_store, database, config)
        stop = asyncio.Event()
        scheduler = None
        if run_sync and config.sources:
            kwargs = connector_kwargs or {}
            connectors = {s.name: build_connector(s, **kwargs.get(s.name, {})) for s in config.sources}
            scheduler = Scheduler(database, config, connectors)
            app.state.scheduler_task = asyncio.create_task(scheduler.run_forever(stop), name="deskpulse-sync")
        try:
            yield
        finally:
            stop.set()
            if app.state.scheduler_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(app.state.scheduler_task, timeout=30)
                app.state.scheduler_task = None
            if scheduler is not None:
                await scheduler.aclose()

    app = FastAPI(
        title="deskpulse",
        version=__version__,
        description="Live service-desk dashboards served from a local store that keeps syncing.",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.db = database
    app.state.scheduler_task = None
    app.state.started_monotonic = time.monotonic()
    app.state.templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    for module in (dashboard, history, health, pages):
        app.include_router(module.router)
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p not in ('query', 'body'))}: {err.get('msg')}"
            for err in exc.errors()
        ]
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse({"detail": "Internal error; the server log has the details."}, status_code=500)
