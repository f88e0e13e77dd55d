"""Client reports API: list runs, start one, read its status and figures, download its outputs, send it.

Scoped like everything else: a caller sees only the runs of the clients they may see, and a run of another
client answers 404 as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.reports import build
from deskpulse.reports.outputs import file_stem
from deskpulse.reports.runs import STATUSES, RunRefused, create_run, execute_run, list_runs, run_json, visible_run
from deskpulse.reports.sending import SendRefused, send_json, send_run
from deskpulse.store.report_tables import ReportRunRow, ReportSendRow
from deskpulse.store.tables import ClientRow
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.auth import require
from deskpulse.web.deps import DbSession

router = APIRouter(prefix="/api/reports", tags=["reports"], responses=api_errors())
ReportReader = Annotated[Principal, Depends(require("reports:read"))]
ReportWriter = Annotated[Principal, Depends(require("reports:write"))]
PAGE_SIZE = 50
# The standalone HTML is served with a policy of its own: styles inline, images data: only, nothing else,
# and framable by this site's preview page alone.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "eml": "message/rfc822"}


class NewReport(BaseModel):
    """``POST /api/reports`` body."""

    model_config = ConfigDict(extra="forbid")

    client: str = Field(min_length=1, max_length=40)
    period: str | None = Field(default=None, max_length=40, description="2026-10, 2026-Q3 or a range; last month")


def scoped_client(session: Session, principal: Principal, key: str) -> ClientRow:
    """The client ``key`` when the caller may see it; 404 otherwise (no hint that it exists)."""
    row = session.scalar(select(ClientRow).where(ClientRow.key == key))
    if row is None or not principal.sees_client(row.id):
        raise HTTPException(404, f"There is no client {key!r} that you can see.")
    return row


def start_report(
    request: Request, principal: Principal, client: str, period_text: str | None, background: BackgroundTasks
) -> int:
    """Queue a run for ``client`` and ``period_text`` (default: last month) and build it after the response."""
    config: Config = request.app.state.config
    # Its own transaction, committed before the build starts in another thread.
    with request.app.state.db.session() as session:
        row = scoped_client(session, principal, client)
        zone = build.client_zone(config, row.key)
        try:
            period = build.parse_period(period_text, zone) if period_text else build.previous_month(utcnow(), zone)
            run_id = create_run(session, config, row.key, period, now=utcnow(), created_by=principal.actor)
        except (build.PeriodError, RunRefused) as exc:
            raise HTTPException(400, str(exc)) from exc
    assert run_id is not None
    # A plain function: Starlette runs it in its thread pool once the 202 has gone out.
    background.add_task(execute_run, request.app.state.db, config, run_id)
    return run_id


@router.get("")
def reports(
    session: DbSession,
    principal: ReportReader,
    client: Annotated[str | None, Query(max_length=40)] = None,
    period: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict[str, Any]:
    """Report runs of the caller's clients, newest first, filtered by client key, period key and status."""
    if status is not None and status not in STATUSES:
        raise HTTPException(400, f"status: unknown value {status!r}; use {', '.join(STATUSES)}.")
    rows, total = list_runs(session, principal.client_ids, client_key=client, period_key=period, status=status,
                            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    return {"runs": [run_json(r) for r in rows], "total": total, "page": page}


@router.post("", status_code=202, responses=error_responses(413, described={404: "No client by that id you can see"}))
def new_report(request: Request, principal: ReportWriter, body: NewReport, background: BackgroundTasks) -> JSONResponse:
    """Start a report of ``client`` for ``period``; 202 with the run id (poll ``GET /api/reports/{id}``)."""
    run_id = start_report(request, principal, body.client, body.period, background)
    return JSONResponse({"id": run_id, "status": "queued", "url": f"/api/reports/{run_id}"}, status_code=202,
                        headers={"Location": f"/api/reports/{run_id}"})  # fmt: skip


def _visible(session: Session, principal: Principal, run_id: int) -> ReportRunRow:
    run = visible_run(session, run_id, principal.client_ids)
    if run is None:
        raise HTTPException(404, f"Report run {run_id} was not found.")
    return run


@router.get("/{run_id}.{fmt}", responses=error_responses(described={404: "No such run you can see, or no such output"}))
def report_file(
    session: DbSession,
    principal: ReportReader,
    run_id: int,
    fmt: str,
    download: Annotated[bool, Query()] = False,
) -> Response:
    """The run's own HTML, PDF or e-mail (.eml); 404 while it is not built or when that output is missing."""
    if fmt not in MEDIA:
        raise HTTPException(404, f"Reports come as .html, .pdf or .eml, not .{fmt}.")
    run = _visible(session, principal, run_id)
    content: bytes | None = getattr(run, fmt)
    if content is None:
        why = run.details_note if fmt == "pdf" and run.status == "done" else f"the run is {run.status}"
        raise HTTPException(404, f"Report run {run_id} has no .{fmt}: {why}")
    stem = f"report-{run.client_key}-{run.period_key}"
    if run.figures:
        stem = file_stem(run.figures)
    disposition = "attachment" if download or fmt == "eml" else "inline"
    headers = {"Content-Disposition": f'{disposition}; filename="{stem}.{fmt}"', "Cache-Control": "private, no-store"}
    if fmt == "html":
        headers |= {"Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"}
    return Response(content, media_type=MEDIA[fmt], headers=headers)


@router.get("/{run_id}", responses=error_responses(404))
def report(session: DbSession, principal: ReportReader, run_id: int) -> dict[str, Any]:
    """One run: status, error, notes, the figures document once built, and every send of it."""
    run = _visible(session, principal, run_id)
    sends = session.scalars(select(ReportSendRow).where(ReportSendRow.run_id == run.id).order_by(ReportSendRow.id))
    return {**run_json(run, figures=True), "sends": [send_json(s) for s in sends]}


@router.post("/{run_id}/send", responses=error_responses(404, 409, 502))
async def send_report(request: Request, principal: ReportWriter, run_id: int) -> dict[str, Any]:
    """E-mail a finished run to its client's recipients now; the send as recorded (result, Message-ID)."""
    db = request.app.state.db
    with db.session() as session:
        _visible(session, principal, run_id)
    try:
        result = await send_run(db, request.app.state.config, run_id, sent_by=principal.actor)
    except SendRefused as exc:
        raise HTTPException(409, str(exc)) from exc
    with db.session() as session:
        row = session.get(ReportSendRow, result.send_id)
        assert row is not None
        body = send_json(row)
    if result.error is not None:
        raise HTTPException(502, result.error)
    return body
