"""Run the web app under uvicorn: in this process, or as several worker processes sharing one socket.

On SIGTERM (or Ctrl+C) every process first ends its open event streams with ``event: bye`` (see
``live_setup.py``), then uvicorn waits up to ``GRACEFUL_SHUTDOWN_SECONDS`` for requests still running, then the
app's shutdown lets an in-flight sync cycle commit (``serve`` without ``--web-only``). The process exits 0.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.web.app import announce_first_admin, prepare_store
from deskpulse.web.factory import IMPORT_STRING, ServeOptions

GRACEFUL_SHUTDOWN_SECONDS = 15
# uvicorn pings each worker process and replaces one that does not answer in time. A worker starting on a busy
# machine (a fresh interpreter importing the app and building the chart bundle) answers late: not a hang.
WORKER_HEALTHCHECK_SECONDS = 30


def serve_app(app: FastAPI, *, host: str, port: int, tls: dict[str, str]) -> None:
    """Serve ``app`` in this process until SIGTERM or Ctrl+C."""
    _exit_zero_after_sigterm()
    uvicorn.run(
        app, host=host, port=port, log_level="info", timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **_tls_args(tls),
    )  # fmt: skip


def serve_workers(
    config: Config, *, config_path: Path | None, workers: int, host: str, port: int, tls: dict[str, str]
) -> None:
    """``workers`` web-only processes of ``deskpulse.web.factory:create`` on one socket, supervised by this
    process. The store is migrated and the first-admin link announced here, once, before any worker starts."""
    db = Database(config.database_url)
    try:
        prepare_store(db, config)
        announce_first_admin(db, config)
    finally:
        db.dispose()
    if config_path is not None:
        os.environ["DESKPULSE_CONFIG"] = str(config_path.resolve())
    ServeOptions(public_url=config.auth.public_url, run_sync=False).export()
    _exit_zero_after_sigterm()
    uvicorn.run(
        IMPORT_STRING, factory=True, workers=workers, host=host, port=port, log_level="info",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS, timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **_tls_args(tls),
    )  # fmt: skip


def _tls_args(tls: dict[str, str]) -> dict[str, Any]:
    return {"ssl_certfile": tls["certfile"], "ssl_keyfile": tls["keyfile"]} if tls else {}


def _exit_zero_after_sigterm() -> None:
    """After a graceful shutdown uvicorn raises the SIGTERM it caught again, for the handler that was there before
    it started; Python's default would then kill the process (status 143) although it stopped cleanly."""
    with contextlib.suppress(ValueError):  # not the main thread: uvicorn does not handle signals there either
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
