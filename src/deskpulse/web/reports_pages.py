"""The report pages: ``/reports`` (runs with filters, and a form to start one) and ``/reports/{id}`` (preview
with a period picker and a send dialog listing the recipients). JSON twins: ``/api/reports`` and
``/api/reports/{id}``. The forms post back here (same-origin checks by the CSRF middleware) and redirect (303).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from deskpulse import __version__
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.reports import build
from deskpulse.reports.runs import STATUSES, list_runs, recipients_of, run_json, visible_run
from deskpulse.reports.sending import SendRefused, send_json, send_run
from deskpulse.store.report_tables import ReportSendRow
from deskpulse.store.tables import ClientRow
from deskpulse.web.api.reports import PAGE_SIZE, start_report
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession
from deskpulse.web.i18n import N_, Translator, translator

router = APIRouter(tags=["pages"], include_in_schema=False)
PageReader = Annotated[Principal, Depends(require_page("reports:read"))]
PageWriter = Annotated[Principal, Depends(require_page("reports:write"))]
FormText = Annotated[str, Form(max_length=40)]
# A run's status as people read it (the JSON keeps the values).
STATUS_NAMES = {"queued": N_("queued"), "running": N_("running"), "done": N_("done"), "failed": N_("failed")}


def _status_names(_: Translator) -> dict[str, str]:
    return {status: _(name) for status, name in STATUS_NAMES.items()}


def _render(request: Request, template: str, principal: Principal, **context: Any) -> Response:
    base = {"principal": principal, "version": __version__, "root": request.scope.get("root_path", ""),
            "status_names": _status_names(translator(request))}  # fmt: skip
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context})  # type: ignore[no-any-return]


def _clients(session: DbSession, principal: Principal) -> list[dict[str, str]]:
    rows = session.scalars(select(ClientRow).order_by(ClientRow.name))
    return [{"key": r.key, "name": r.name} for r in rows if principal.sees_client(r.id)]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: DbSession,
    principal: PageReader,
    client: Annotated[str | None, Query(max_length=40)] = None,
    period: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Report runs of the caller's clients, newest first, with filters and (for writers) a form to start one."""
    _ = translator(request)
    if status and status not in STATUSES:
        raise HTTPException(
            400, _("status: unknown value %(value)s; use %(known)s.", value=repr(status), known=", ".join(STATUSES))
        )
    rows, total = list_runs(session, principal.client_ids, client_key=client or None, period_key=period or None,
                            status=status or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)  # fmt: skip
    config: Config = request.app.state.config
    return _render(
        request, "reports_list.html", principal, runs=[run_json(r) for r in rows], total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), clients=_clients(session, principal), statuses=STATUSES,
        filters={"client": client or "", "period": period or "", "status": status or ""},
        default_period=build.previous_month(utcnow(), config.tz).key, can_write=principal.can("reports:write"),
    )  # fmt: skip


@router.post("/reports", response_class=HTMLResponse)
def new_report_form(
    request: Request, principal: PageWriter, background: BackgroundTasks, client: FormText, period: FormText = ""
) -> Response:
    """Start a report from the list or preview page, then show its preview."""
    run_id = start_report(request, principal, client.strip(), period.strip() or None, background)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/reports/{run_id}", status_code=303)


@router.get("/reports/{run_id}", response_class=HTMLResponse)
def report_page(
    request: Request, session: DbSession, principal: PageReader, run_id: int,
    sent: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:  # fmt: skip
    """One run: its status, the report itself (framed), downloads, another period, and the send dialog."""
    _ = translator(request)
    run = visible_run(session, run_id, principal.client_ids)
    if run is None:
        raise HTTPException(404, _("Report run %(id)s was not found.", id=run_id))
    config: Config = request.app.state.config
    sends = session.scalars(select(ReportSendRow).where(ReportSendRow.run_id == run.id).order_by(ReportSendRow.id))
    return _render(
        request, "report_preview.html", principal, run=run_json(run, figures=False), has_pdf=run.pdf is not None,
        recipients=recipients_of(config, run.client_key), sends=[send_json(s) for s in sends],
        can_write=principal.can("reports:write"), smtp_ready=config.smtp.enabled, sent=sent,
    )  # fmt: skip


@router.post("/reports/{run_id}/send", response_class=HTMLResponse)
async def send_report_form(request: Request, principal: PageWriter, run_id: int) -> Response:
    """Send the run from the preview's dialog, then return to the preview with the outcome."""
    _ = translator(request)
    db = request.app.state.db
    with db.session() as session:
        if visible_run(session, run_id, principal.client_ids) is None:
            raise HTTPException(404, _("Report run %(id)s was not found.", id=run_id))
    try:
        result = await send_run(db, request.app.state.config, run_id, sent_by=principal.actor)
        outcome = "ok" if result.error is None else "failed"
    except SendRefused as exc:
        raise HTTPException(409, str(exc)) from exc
    return RedirectResponse(f"{request.scope.get('root_path', '')}/reports/{run_id}?sent={outcome}", status_code=303)
