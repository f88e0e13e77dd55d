"""Service uptime from LibreNMS, per client: figures per service, incidents, daily trend and a CSV export.

Everything is computed from the store (never a LibreNMS call per request) and cached per minute and poll
state (web/uptime_view.py). Permission ``dashboard:read``; callers scoped to clients (account managers,
customers) see only their clients' services, and another client's service or client is answered with 404.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.auth.principal import Principal
from deskpulse.clock import utcnow
from deskpulse.store.tables import SourceRow
from deskpulse.store.uptime_monitoring import MONITORING_KINDS
from deskpulse.uptime import ServiceAvailability, daily
from deskpulse.web.api.errors import api_errors
from deskpulse.web.auth import Reader
from deskpulse.web.deps import DbSession
from deskpulse.web.uptime_json import CSV_COLUMNS, csv_value, day_row, incident_row, service_row, totals
from deskpulse.web.uptime_period import Period, PeriodError, parse_period
from deskpulse.web.uptime_view import Report, uptime_view

router = APIRouter(tags=["uptime"])
ERRORS = api_errors(described={
    400: "A period or date that cannot be read (the message says which)",
    404: "No such service or client within the caller's scope",
})  # fmt: skip
PeriodQ = Annotated[str | None, Query(description="A calendar month, YYYY-MM (default: this month)")]
FromQ = Annotated[str | None, Query(alias="from", description="First local day, YYYY-MM-DD (with to=)")]
ToQ = Annotated[str | None, Query(alias="to", description="Last local day, YYYY-MM-DD, included")]
ClientQ = Annotated[str | None, Query(description="Only this client (its id from [[clients]], or its name)")]


def period_of(request: Request, period: str | None, start: str | None, end: str | None, **kw: Any) -> Period:
    """The requested period, or 400 with a sentence."""
    try:
        return parse_period(period, start, end, tz=request.app.state.config.tz, now=utcnow(), **kw)
    except PeriodError as exc:
        raise HTTPException(400, str(exc)) from None


def report_for(request: Request, session: Session, period: Period) -> Report:
    """Every service's availability over ``period`` (cached)."""
    return uptime_view(request.app.state).report(session, period.interval, utcnow())


def client_key(report: Report, principal: Principal, client: str | None) -> str | None:
    """The client id ``?client=`` names, or 404 when it names no client the caller may see."""
    if client is None:
        return None
    key = report.clients.resolve(client)
    if key is None or not principal.sees_client(report.clients.ids.get(key)):
        raise HTTPException(404, f"No client {client!r} (by id or name) among the clients you may see.")
    return key


def monitoring_health(session: Session) -> list[dict[str, Any]]:
    """Freshness of each LibreNMS source: when it last polled, and since when and why it is stale."""
    rows = session.scalars(select(SourceRow).where(SourceRow.kind.in_(MONITORING_KINDS)).order_by(SourceRow.name))
    return [
        {"name": r.name, "last_ok_at": r.last_ok_at, "stale_since": r.stale_since,
         "error": r.last_error if r.stale_since else None}
        for r in rows
    ]  # fmt: skip


def services_document(
    request: Request, session: Session, principal: Principal, client: str | None, period: Period
) -> tuple[Report, list[ServiceAvailability], dict[str, Any]]:
    """(report, the caller's services, the JSON document of GET /api/uptime/services)."""
    report = report_for(request, session, period)
    results = report.visible(principal.client_ids, client_key(report, principal, client))
    document = {
        "period": {"label": period.label, "start": period.interval.start, "end": period.interval.end,
                   "first_day": period.first_day, "last_day": period.last_day},
        "as_of": report.now,
        "policy": report.policy,
        "totals": totals(results),
        "services": [service_row(r, report, period.label) for r in results],
        "sources": monitoring_health(session),
    }  # fmt: skip
    return report, results, document


@router.get("/api/uptime/services", responses=ERRORS)
def services(
    request: Request, session: DbSession, principal: Reader, client: ClientQ = None, period: PeriodQ = None,
    start: FromQ = None, end: ToQ = None,
) -> dict[str, Any]:  # fmt: skip
    """Per service: SLO, SLI (and the conservative SLI), seconds per state, error budget left, incidents."""
    _, _, document = services_document(request, session, principal, client, period_of(request, period, start, end))
    return document


@router.get("/api/uptime/services.csv", response_class=Response, responses=ERRORS)
def services_csv(
    request: Request, session: DbSession, principal: Reader, client: ClientQ = None, period: PeriodQ = None,
    start: FromQ = None, end: ToQ = None,
) -> Response:  # fmt: skip
    """The services table as CSV: UTF-8 with a byte order mark (spreadsheets detect the encoding), ISO times."""
    chosen = period_of(request, period, start, end)
    _, _, document = services_document(request, session, principal, client, chosen)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in document["services"]:
        writer.writerow([csv_value(row.get(column)) for column in CSV_COLUMNS])
    name = f"uptime-{chosen.label.replace(' ', '_')}.csv"
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/api/uptime/services/{service_id}/incidents", responses=ERRORS)
def incidents(
    request: Request, session: DbSession, principal: Reader, service_id: str, period: PeriodQ = None,
    start: FromQ = None, end: ToQ = None,
) -> dict[str, Any]:  # fmt: skip
    """One service's incidents in the period: start, end, duration, root cause and its location, and whether
    the customer's own device stayed up."""
    chosen = period_of(request, period, start, end)
    report = report_for(request, session, chosen)
    found = next((r for r in report.visible(principal.client_ids) if r.service.id == service_id), None)
    if found is None:
        raise HTTPException(404, f"No service {service_id!r} among the services you may see in {chosen.label}.")
    return {
        "service": service_row(found, report, chosen.label),
        "period": {"label": chosen.label, "start": chosen.interval.start, "end": chosen.interval.end},
        "policy": report.policy,
        "incidents": [incident_row(i) for i in found.incidents],
    }


@router.get("/api/uptime/daily", responses=ERRORS)
def daily_trend(
    request: Request, session: DbSession, principal: Reader, client: ClientQ = None, start: FromQ = None,
    end: ToQ = None,
) -> dict[str, Any]:  # fmt: skip
    """Figures summed over the caller's services per local day (default: this month so far)."""
    chosen = period_of(request, None, start, end, default_month=False)
    report = report_for(request, session, chosen)
    results = report.visible(principal.client_ids, client_key(report, principal, client))
    return {
        "from": chosen.first_day,
        "to": chosen.last_day,
        "policy": report.policy,
        "services": len(results),
        "days": [day_row(p) for p in daily(results, request.app.state.config.tz)],
    }
