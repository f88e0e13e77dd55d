"""Integration status per source (ticket sources and LibreNMS): the place to debug a connection.

Per source: the last poll or sync cycle (when, how long, how many calls), throttling (the request budget left,
waits the last LibreNMS poll spent throttled, a stretched cadence), whether it is stale and why, warnings,
recent errors and the last 200 log lines. ``GET /api/status/sources`` is the JSON twin of ``/status/sources``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.config import Config
from deskpulse.store.source_log import KEEP, lines, recent_errors
from deskpulse.store.tables import SourceRow
from deskpulse.store.uptime_tables import NmsPollStateRow
from deskpulse.web.api.errors import api_errors
from deskpulse.web.auth import SourceReader
from deskpulse.web.deps import DbSession

router = APIRouter(tags=["health"], responses=api_errors())


def _throttling(row: SourceRow, poll: NmsPollStateRow | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "budget_limit_per_minute": row.budget_limit,
        "budget_remaining": row.budget_remaining,
        "cadence_note": row.schedule_note,
    }
    if poll is not None:
        found.update(waits_last_poll=poll.throttle_waits, wait_seconds_last_poll=poll.throttle_wait_seconds)
    found["throttled"] = (
        bool(row.schedule_note)
        or bool(poll is not None and poll.throttle_waits)
        or (row.budget_remaining is not None and row.budget_remaining <= 0)
    )
    return found


def source_status(session: Session, config: Config, log_lines: int = KEEP) -> list[dict[str, Any]]:
    """One entry per configured source, in configuration order."""
    rows = {
        r.name: r
        for r in session.scalars(select(SourceRow).where(SourceRow.name.in_([s.name for s in config.sources])))
    }
    found = []
    for source in config.sources:
        row = rows.get(source.name)
        if row is None:
            found.append({"name": source.name, "kind": source.kind, "registered": False})
            continue
        poll = session.get(NmsPollStateRow, row.id)
        found.append(
            {
                "name": row.name, "kind": row.kind, "registered": True, "base_url": row.base_url,
                "ok": row.last_ok_at is not None and row.stale_since is None,
                "last_attempt_at": row.last_attempt_at, "last_ok_at": row.last_ok_at,
                "next_run_at": row.next_run_at, "duration_s": row.last_cycle_seconds,
                "calls": row.last_cycle_requests, "stale_since": row.stale_since,
                "error": row.last_error, "error_at": row.last_error_at, "permanent_failure": row.permanent_failure,
                "warnings": row.warnings.splitlines() if row.warnings else [],
                "throttling": _throttling(row, poll),
                "devices": poll.devices if poll is not None else None,
                "recent_errors": [{"at": e.at, "message": e.message} for e in recent_errors(session, row.id)],
                "log": [{"at": e.at, "level": e.level, "message": e.message}
                        for e in lines(session, row.id, log_lines)],
            }
        )  # fmt: skip
    return found


@router.get("/api/status/sources")
def status_sources(request: Request, session: DbSession, _: SourceReader) -> list[dict[str, Any]]:
    """Per source: last poll, duration, calls, throttling, stale state, recent errors, the last 200 log lines."""
    return source_status(session, request.app.state.config)
