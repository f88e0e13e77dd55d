"""Process and per-source health: the place to see whether data is fresh and why not."""

from __future__ import annotations

import os
import time
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from deskpulse import __version__
from deskpulse.store.tables import SourceRow
from deskpulse.web.api.errors import error_responses
from deskpulse.web.auth import Public, SourceReader
from deskpulse.web.deps import AppConfig, DbSession

router = APIRouter(tags=["health"])


class SourceHealth(BaseModel):
    name: str
    kind: str
    ok: bool
    last_ok_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    stale_since: datetime | None
    permanent_failure: bool
    last_cycle_seconds: float | None
    last_cycle_requests: int | None
    budget_limit: int | None
    budget_remaining: int | None
    next_run_at: datetime | None
    schedule_note: str | None
    warnings: list[str] = Field(default_factory=list, description="Problems that did not stop the last cycle")


class HealthOut(BaseModel):
    status: str
    version: str
    pid: int
    uptime_seconds: float
    database: str
    sync_running: bool
    sources: list[SourceHealth]


class LiveOut(BaseModel):
    status: str
    version: str


@router.get("/healthz", response_model=LiveOut, dependencies=[Public])
def liveness() -> LiveOut:
    """Unauthenticated liveness probe for load balancers and process supervisors: the process answers."""
    return LiveOut(status="ok", version=__version__)


@router.get("/health", response_model=HealthOut, responses=error_responses(401, 403))
def health(request: Request, session: DbSession, config: AppConfig, _: SourceReader) -> HealthOut:
    """``status`` is ok, degraded (a source is stale) or starting (a source never synced)."""
    names = [s.name for s in config.sources]
    rows = {r.name: r for r in session.scalars(select(SourceRow).where(SourceRow.name.in_(names)))}
    out = [
        SourceHealth.model_validate(
            {**{f: getattr(row, f) for f in SourceHealth.model_fields if f not in ("ok", "warnings")},
             "ok": row.last_ok_at is not None and row.stale_since is None,
             "warnings": row.warnings.splitlines() if row.warnings else []}
        )
        for name in names
        if (row := rows.get(name)) is not None
    ]  # fmt: skip
    if any(s.stale_since is not None for s in out):
        status = "degraded"
    elif any(s.last_ok_at is None for s in out) or len(out) < len(names):
        status = "starting"
    else:
        status = "ok"
    return HealthOut(
        status=status,
        version=__version__,
        pid=os.getpid(),
        uptime_seconds=round(time.monotonic() - request.app.state.started_monotonic, 1),
        database=request.app.state.db.dialect,
        sync_running=request.app.state.scheduler_task is not None,
        sources=out,
    )
