"""Server-rendered pages over the metrics API: SLA, workload and trends (the JSON lives at /api/dashboard/*), each
with the open-alerts panel; the alerts pages themselves (web/alerts_pages.py) are served with them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from deskpulse import __version__
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.metrics import figures
from deskpulse.metrics.sla_tickets import SlaTicket
from deskpulse.web import alerts_pages
from deskpulse.web.api.desk_metrics import COMPLIANCE_DEFINITION, evaluated, metrics_data, period_for
from deskpulse.web.api.desk_tickets import ticket_detail
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession, select_sources
from deskpulse.web.i18n import N_, translator
from deskpulse.web.trend_chart import trend_chart

router = APIRouter(tags=["pages"])
router.include_router(alerts_pages.router)
Staff = Annotated[Principal, Depends(require_page("tickets:internal"))]
DaysQuery = Annotated[int, Query(ge=1, le=365)]
# The API's sentence, repeated here so the catalog extracts it; tests/web/test_i18n.py keeps the two equal.
DEFINITION_FOR_CATALOG = N_(
    "met / (met + breached), per target kind, counting targets met in the period and targets whose due time "
    "fell in the period (a still-open ticket past its due time counts as breached); tickets without an SLA "
    "are left out; at-risk targets are counted separately."
)


def _render(request: Request, template: str, principal: Principal, **context: Any) -> Response:
    base = {"principal": principal, "version": __version__, "root": request.scope.get("root_path", "")}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context})  # type: ignore[no-any-return]


def _priority_name(ticket: SlaTicket) -> str | None:
    return ticket.priority.value if ticket.priority else None


@router.get("/sla", response_class=HTMLResponse, include_in_schema=False)
def sla_page(request: Request, session: DbSession, principal: Staff, days: DaysQuery = 30) -> Response:
    """At-risk queue (soonest breach first), breached list, compliance by priority and by client."""
    config = request.app.state.config
    sources = select_sources(session, config, principal, None)
    view = evaluated(request, session, config, sources, days)
    period = period_for(utcnow().replace(second=0, microsecond=0), config, days)
    return _render(
        request, "sla.html", principal,
        violations=figures.violations(view.tickets, view.source_names),
        by_priority=figures.compliance_breakdown(view.tickets, period, _priority_name),
        by_client=figures.compliance_breakdown(view.tickets, period, lambda t: t.client),
        overall=metrics_data(request, session, config, sources, days)["slaCompliance"],
        definition=translator(request)(COMPLIANCE_DEFINITION), days=days, stale=sources.stale,
        alerts_panel=alerts_pages.alerts_panel(request, session, principal),
    )  # fmt: skip


@router.get("/workload", response_class=HTMLResponse, include_in_schema=False)
def workload_page(request: Request, session: DbSession, principal: Staff) -> Response:
    """Queues (count, average and oldest age) and technicians (open, at risk, breached)."""
    config = request.app.state.config
    sources = select_sources(session, config, principal, None)
    data = metrics_data(request, session, config, sources, 30)
    panel = alerts_pages.alerts_panel(request, session, principal)
    return _render(request, "workload.html", principal, data=data, stale=sources.stale, alerts_panel=panel)


@router.get("/trends", response_class=HTMLResponse, include_in_schema=False)
def trends_page(request: Request, session: DbSession, principal: Staff, days: DaysQuery = 30) -> Response:
    """Created vs resolved per day, the backlog and its forecast with the back-tested error beside it."""
    config = request.app.state.config
    sources = select_sources(session, config, principal, None)
    data = metrics_data(request, session, config, sources, days)
    chart = trend_chart(data["trends"]["backlog"], data["trends"]["forecast"]["points"])
    panel = alerts_pages.alerts_panel(request, session, principal)
    return _render(request, "trends.html", principal, data=data, chart=chart, days=days, stale=sources.stale,
                   alerts_panel=panel)  # fmt: skip


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse, include_in_schema=False)
def ticket_page(request: Request, session: DbSession, principal: Staff, ticket_id: str) -> Response:
    """One ticket: both SLA clocks with their running and paused segments, changes and write-backs."""
    config = request.app.state.config
    sources = select_sources(session, config, principal, None)
    detail = ticket_detail(request, session, config, sources, principal, ticket_id).data
    return _render(request, "ticket.html", principal, t=detail, stale=sources.stale)
