"""The service-desk metrics API at /api/dashboard/* in the ``{success, data, message}`` envelope.

These paths and the envelope are kept for clients of the old Autotask dashboard. Every figure is read from the
store (no vendor call per request) and evaluated per minute; the evaluated tickets are cached for the rest of
the minute per (sources and their sync state, caller's client scope, period).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.connectors.registry import CONNECTORS
from deskpulse.domain.board import local_day_start
from deskpulse.domain.sla import TargetKind
from deskpulse.metrics import figures
from deskpulse.metrics.envelope import Envelope, ok
from deskpulse.metrics.sla_tickets import SlaTicket, load_sla_tickets
from deskpulse.metrics.trends import trends as trend_block
from deskpulse.store.queries import directory_names
from deskpulse.store.tables import AgentHoursRow
from deskpulse.sync.engine import HOURS_DAYS
from deskpulse.web.api.errors import api_errors
from deskpulse.web.auth import Internal
from deskpulse.web.deps import AppConfig, DbSession, Sources, SourceSelection
from deskpulse.web.view_cache import ViewCache

router = APIRouter(tags=["service desk metrics"])
# Every service-desk operation takes ?source=, which answers 404 when it names no configured source.
ERRORS = api_errors(described={404: "source names no configured source"})
Days = Annotated[int, Query(ge=1, le=365, description="Reporting period in days, ending now (default 30)")]


class Evaluated:
    """Tickets with clocks, plus what the figures need to name things."""

    def __init__(self, tickets: list[SlaTicket], sources: SourceSelection, session: Session) -> None:
        self.tickets = tickets
        # The metrics document built from these tickets (once per cache entry: per minute, sync state, scope).
        self.document: Any = None
        self.source_names = {r.id: r.name for r in sources.rows}
        teams, agents = directory_names(session, sources.ids)
        self.teams, self.agents = teams, agents

    def team_name(self, sid: int, ext: str) -> str | None:
        """Name of a queue / group / team."""
        return self.teams.get((sid, ext))

    def agent_name(self, sid: int, ext: str) -> str | None:
        """Name of a technician / agent."""
        return self.agents.get((sid, ext))


def period_for(now: datetime, config: Config, days: int) -> figures.Period:
    """The last ``days`` days up to ``now``, with today's local midnight."""
    return figures.Period(start=now - timedelta(days=days), end=now + timedelta(seconds=1),
                          today=local_day_start(now, config.tz))  # fmt: skip


def evaluated(request: Request, session: Session, config: Config, sources: SourceSelection, days: int) -> Evaluated:
    """The caller's tickets with both SLA clocks at this minute (cached until the minute or a sync changes)."""
    now = utcnow()
    cache: ViewCache[Evaluated] | None = getattr(request.app.state, "sla_cache", None)
    if cache is None:
        # Small: a past minute's entry is never asked for again, and each one holds every evaluated ticket.
        cache = request.app.state.sla_cache = ViewCache[Evaluated](size=3)
    key = (
        now.replace(second=0, microsecond=0),
        tuple((r.id, r.last_ok_at, r.data_version) for r in sources.rows),
        sources.client_ids,
        days,
    )
    found = cache.get(key)
    if found is None:
        pausing = frozenset(config.sla.pausing)
        tickets = load_sla_tickets(
            session, sources.ids, sources.client_ids, config.sla_policy, pausing,
            now=key[0], since=key[0] - timedelta(days=days),
        )  # fmt: skip
        found = Evaluated(tickets, sources, session)
        cache.put(key, found)
    return found


def metrics_data(request: Request, session: Session, config: Config, sources: SourceSelection, days: int) -> Any:
    """The whole metrics document (also rendered by the SLA, workload and trends pages)."""
    view = evaluated(request, session, config, sources, days)
    if view.document is None:
        view.document = _document(session, config, sources, days, view)
    return view.document


def _document(session: Session, config: Config, sources: SourceSelection, days: int, view: Evaluated) -> Any:
    now = utcnow().replace(second=0, microsecond=0)
    period = period_for(now, config, days)
    reasons = figures.Reasons()
    response = figures.compliance_of(view.tickets, [TargetKind.FIRST_RESPONSE], period)
    resolution = figures.compliance_of(view.tickets, [TargetKind.RESOLUTION], period)
    return {
        "overview": figures.overview(view.tickets, period, reasons, figures.combined(response, resolution)),
        "priority": figures.priorities(view.tickets),
        "queues": figures.queues(view.tickets, now, view.team_name, view.source_names),
        "resources": resources_of(session, view, sources, period),
        "slaBreaches": figures.breaches(view.tickets, period, (response, resolution)),
        "slaCompliance": {
            "response": _compliance(response),
            "resolution": _compliance(resolution),
            "definition": COMPLIANCE_DEFINITION,
        },
        "trends": trend_block(session, sources.ids, sources.client_ids, now=now, tz=config.tz, days=days),
        "period": {"start": period.start, "end": now, "days": days},
        "reasons": {**reasons.items, **hours_reason(sources, days)},
        "lastUpdated": sources.last_updated,
        "staleSince": sources.stale[0],
        "staleReason": sources.stale[1],
    }


def timed_sources(sources: SourceSelection) -> frozenset[int]:
    """Sources whose vendor keeps time entries (their connector can read logged hours)."""
    return frozenset(r.id for r in sources.rows if hasattr(CONNECTORS.get(r.kind), "fetch_daily_hours"))


def resources_of(session: Session, view: Evaluated, sources: SourceSelection, period: figures.Period) -> Any:
    """The technicians list with hours logged in the period (UTC days) where time entries are synced."""
    timed = timed_sources(sources)
    hours: dict[tuple[int, str], float] = {}
    if timed:
        rows = session.execute(
            select(AgentHoursRow.source_id, AgentHoursRow.agent_external_id, func.sum(AgentHoursRow.hours))
            .where(AgentHoursRow.source_id.in_(sorted(timed)), AgentHoursRow.day >= period.start.date())
            .group_by(AgentHoursRow.source_id, AgentHoursRow.agent_external_id)
        ).all()
        hours = {(sid, agent): float(total or 0) for sid, agent, total in rows}
    return figures.resources(view.tickets, view.agent_name, view.source_names, hours, timed)


def hours_reason(sources: SourceSelection, days: int) -> dict[str, str]:
    """Why some or all ``hoursLogged`` figures are null or partial."""
    timed = timed_sources(sources)
    if len(timed) < len(sources.rows):
        return {"resources[].hoursLogged": "null for sources whose vendor keeps no time entries (only Autotask does)"}
    if days > HOURS_DAYS:
        return {"resources[].hoursLogged": f"time entries are synced for the last {HOURS_DAYS} days only"}
    return {}


COMPLIANCE_DEFINITION = (
    "met / (met + breached), per target kind, counting targets met in the period and targets whose due time "
    "fell in the period (a still-open ticket past its due time counts as breached); tickets without an SLA "
    "are left out; at-risk targets are counted separately."
)


def _compliance(value: figures.KindCompliance) -> dict[str, Any]:
    return {"met": value.met, "breached": value.breached, "atRisk": value.at_risk, "rate": value.rate,
            "reason": value.reason}  # fmt: skip


@router.get("/api/dashboard/metrics", response_model=Envelope, responses=ERRORS)
def metrics(
    request: Request, session: DbSession, config: AppConfig, sources: Sources, _: Internal, days: Days = 30
) -> Envelope:
    """Overview, priorities, queues, technicians, SLA breaches and compliance, trends with the forecast."""
    return ok(metrics_data(request, session, config, sources, days))


@router.get("/api/dashboard/sla/violations", response_model=Envelope, responses=ERRORS)
def sla_violations(request: Request, session: DbSession, config: AppConfig, sources: Sources, _: Internal) -> Envelope:
    """Open tickets at risk (soonest breach first) and breached (longest overdue first); times in minutes."""
    view = evaluated(request, session, config, sources, 30)
    return ok(figures.violations(view.tickets, view.source_names))


@router.get("/api/dashboard/queues", response_model=Envelope, responses=ERRORS)
def queue_list(request: Request, session: DbSession, config: AppConfig, sources: Sources, _: Internal) -> Envelope:
    """Open tickets per queue: count, average and oldest age (hours)."""
    view = evaluated(request, session, config, sources, 30)
    return ok(figures.queues(view.tickets, utcnow(), view.team_name, view.source_names))


@router.get("/api/dashboard/resources", response_model=Envelope, responses=ERRORS)
def resource_list(request: Request, session: DbSession, config: AppConfig, sources: Sources, _: Internal) -> Envelope:
    """Per technician: open tickets, at-risk, breached, hours logged (null where no time entries are synced)."""
    view = evaluated(request, session, config, sources, 30)
    period = period_for(utcnow().replace(second=0, microsecond=0), config, 30)
    return ok(resources_of(session, view, sources, period))


@router.get("/api/dashboard/trends", response_model=Envelope, responses=ERRORS)
def trend_list(session: DbSession, config: AppConfig, sources: Sources, _: Internal, days: Days = 30) -> Envelope:
    """Created vs resolved per day, daily backlog, and the 14-day backlog forecast with its back-tested MAPE."""
    return ok(trend_block(session, sources.ids, sources.client_ids, now=utcnow(), tz=config.tz, days=days))


@router.get("/api/dashboard/health", response_model=Envelope, responses=ERRORS)
def desk_health(sources: Sources, _: Internal) -> Envelope:
    """Whether each source's data is fresh, in the envelope (the full health document is GET /health)."""
    data = [
        {"name": r.name, "kind": r.kind, "lastSyncAt": r.last_ok_at, "staleSince": r.stale_since,
         "error": r.last_error if r.stale_since else None}
        for r in sources.rows
    ]  # fmt: skip
    healthy = all(r.last_ok_at is not None and r.stale_since is None for r in sources.rows)
    return ok({"status": "ok" if healthy else "degraded", "sources": data})
