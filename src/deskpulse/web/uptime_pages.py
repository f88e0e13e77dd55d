"""Server-rendered uptime pages: ``/uptime`` (KPIs, trends, services), ``/uptime/services/{id}`` (incidents) and
``/status/sources`` (integration status). Their JSON lives at /api/uptime/* and /api/status/sources."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from deskpulse import __version__
from deskpulse.alerts.channel_status import channel_health
from deskpulse.alerts.runner import alerts_config
from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime import Figures, ServiceAvailability, daily, monthly
from deskpulse.web.api.source_status import source_status
from deskpulse.web.api.uptime import ClientQ, FromQ, PeriodQ, ToQ, client_key, monitoring_health, period_of
from deskpulse.web.api.uptime_config_views import graph_rows
from deskpulse.web.auth import require_page
from deskpulse.web.deps import DbSession
from deskpulse.web.i18n import format_duration_in, format_number, request_language, translator_for
from deskpulse.web.uptime_chart import downtime_bars, sli_line
from deskpulse.web.uptime_json import incident_row, service_row, totals
from deskpulse.web.uptime_period import month_of
from deskpulse.web.uptime_view import uptime_view

router = APIRouter(tags=["pages"])
Viewer = Annotated[Principal, Depends(require_page("dashboard:read"))]
Staff = Annotated[Principal, Depends(require_page("sources:read"))]
TREND_MONTHS = 12


def _render(request: Request, template: str, principal: Principal, **context: Any) -> Response:
    base = {"principal": principal, "version": __version__, "root": request.scope.get("root_path", "")}
    return request.app.state.templates.TemplateResponse(request, template, {**base, **context})  # type: ignore[no-any-return]


def pct(value: float | None, language: str = "en") -> str:
    """``99.953 %`` (``99,953 %`` in Dutch; at most three decimals), or ``–`` without a value."""
    if value is None:
        return "–"
    return format_number(round(value * 100, 3), language, 3) + " %"


def secs(value: float, language: str = "en") -> str:
    """A duration for people: ``0 min`` for none, else ``45 min``, ``3 h 05 min`` (``3 u 05 min`` in Dutch)."""
    _ = translator_for(language)
    return _("0 min") if value <= 0 else format_duration_in(int(value), language)


def budget_text(left_s: float, language: str, period_label: str | None = None) -> str:
    """``21 min left`` or ``over budget by 5 min``, with `` in 2026-10`` when ``period_label`` is given."""
    _ = translator_for(language)
    time = format_duration_in(int(abs(left_s)), language)
    if period_label is None:
        return _("%(time)s left", time=time) if left_s >= 0 else _("over budget by %(time)s", time=time)
    if left_s >= 0:
        return _("%(time)s left in %(period)s", time=time, period=period_label)
    return _("over budget by %(time)s in %(period)s", time=time, period=period_label)


def _figure_cells(figures: Figures, language: str) -> dict[str, str]:
    return {"sli": pct(figures.sli, language), "conservative": pct(figures.sli_conservative, language),
            "down": secs(figures.down_s, language), "unknown": secs(figures.unknown_s, language),
            "maintenance": secs(figures.maintenance_s, language)}  # fmt: skip


def _stale(session: Session) -> tuple[datetime | None, str | None]:
    stale = [s for s in monitoring_health(session) if s["stale_since"] is not None]
    if not stale:
        return None, None
    first = min(stale, key=lambda s: s["stale_since"])
    return first["stale_since"], f"{first['name']}: {first['error'] or 'the last poll failed'}"


def _period_params(period: str | None, start: str | None, end: str | None) -> dict[str, str]:
    """The period's query parameters, to carry over into links."""
    if period:
        return {"period": period}
    return {"from": start, "to": end} if start and end else {}


def _trend_months(end: Interval, tz: Any) -> list[Interval]:
    """The calendar months of the trend: the last ``TREND_MONTHS`` up to the one ``end`` ends in (each kept by
    the view once it is over, so the chart costs one month's computation after a poll)."""
    last = (end.end.astimezone(tz) - timedelta(days=1)).date().replace(day=1)
    months = [last]
    while len(months) < TREND_MONTHS:
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return [month_of(m, tz).interval for m in reversed(months)]


@router.get("/uptime", response_class=HTMLResponse, include_in_schema=False)
def uptime_page(
    request: Request, session: DbSession, principal: Viewer, client: ClientQ = None, period: PeriodQ = None,
    start: FromQ = None, end: ToQ = None,
) -> Response:  # fmt: skip
    """KPIs, SLI per day, downtime per month and the services table, for all customers or one."""
    tz = request.app.state.config.tz
    chosen = period_of(request, period or None, start, end)
    view = uptime_view(request.app.state)
    report = view.report(session, chosen.interval, utcnow())
    key = client_key(report, principal, client or None)
    results = report.visible(principal.client_ids, key)
    trend = [point for month in _trend_months(chosen.interval, tz) for point in monthly(
        view.report(session, month, utcnow()).visible(principal.client_ids, key), tz)]  # fmt: skip
    total = totals(results)
    summed = sum((r.figures for r in results), Figures())
    language = request_language(request)
    kpi = {**_figure_cells(summed, language), "uptime": pct(summed.sli, language),
           "downtime": secs(summed.down_s, language), "incidents": total["incidents"], "services": total["services"],
           "over_budget": total["over_budget"], "budget": budget_text(total["budget_left_s"], language)}  # fmt: skip
    rows = [_service_cells(r, report.clients.names, language) for r in results]
    visible = sorted({(r.service.client, report.clients.names.get(r.service.client, r.service.client))
                      for r in report.visible(principal.client_ids)}, key=lambda c: c[1].lower())  # fmt: skip
    params = _period_params(period, start, end)
    query = urlencode({**({"client": key} if key else {}), **params})
    return _render(
        request, "uptime.html", principal, period=chosen, policy=report.policy, as_of=report.now, kpi=kpi,
        rows=rows, clients=visible, client=key, client_name=report.clients.names.get(key) if key else None,
        line=sli_line(daily(results, tz), language), bars=downtime_bars(trend, language), query=query,
        period_query=urlencode(params), has_graph=bool(graph_rows(session)), stale=_stale(session),
    )  # fmt: skip


def _service_cells(result: ServiceAvailability, names: dict[str, str], language: str) -> dict[str, Any]:
    return {
        "id": result.service.id, "name": result.service.name,
        "client": names.get(result.service.client, result.service.client),
        "slo": format_number(result.service.slo, language, 3) + " %",
        **_figure_cells(result.figures, language), "incidents": len(result.incidents),
        "over": result.budget_left_s < 0, "budget": budget_text(result.budget_left_s, language),
    }  # fmt: skip


@router.get("/uptime/services/{service_id}", response_class=HTMLResponse, include_in_schema=False)
def service_page(
    request: Request, session: DbSession, principal: Viewer, service_id: str, period: PeriodQ = None,
    start: FromQ = None, end: ToQ = None,
) -> Response:  # fmt: skip
    """One service's figures and incidents: start, end, duration, root cause, location, customer device up."""
    chosen = period_of(request, period or None, start, end)
    report = uptime_view(request.app.state).report(session, chosen.interval, utcnow())
    found = next((r for r in report.visible(principal.client_ids) if r.service.id == service_id), None)
    if found is None:
        raise HTTPException(404, f"No service {service_id!r} among the services you may see in {chosen.label}.")
    incidents = [{**incident_row(i), "location": i.root_cause.location.value.replace("_", " ")}
                 for i in found.incidents]  # fmt: skip
    language = request_language(request)
    figures = {**_figure_cells(found.figures, language), "slo": format_number(found.service.slo, language, 3) + " %"}
    back = urlencode(_period_params(period, start, end))
    return _render(
        request, "uptime_service.html", principal, service=service_row(found, report, chosen.label),
        figures=figures, incidents=incidents, period=chosen, policy=report.policy, back_query=back,
        stale=_stale(session), budget=budget_text(found.budget_left_s, language, chosen.label),
    )  # fmt: skip


@router.get("/status/sources", response_class=HTMLResponse, include_in_schema=False)
def status_page(request: Request, session: DbSession, principal: Staff) -> Response:
    """Per source: last poll, duration, calls, throttling, stale state, recent errors, the last 200 log lines; per
    alert channel: ok or failing, the last error and response status, the last delivery (and a test button)."""
    sources = source_status(session, request.app.state.config)
    channels = channel_health(session, alerts_config(request.app.state.config))
    return _render(request, "status_sources.html", principal, sources=sources, stale=_stale(session),
                   channels=channels, can_test=principal.can("alerts:admin"),
                   tested=request.query_params.get("tested"))  # fmt: skip
