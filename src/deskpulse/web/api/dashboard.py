"""JSON of the live ticket dashboard: summary, teams, agents, age buckets, closed statistics."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.domain.board import AGE_BUCKETS, bucket_bounds, closed_windows, summarize
from deskpulse.store import queries
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.deps import AppConfig, DbSession, Sources, SourceSelection
from deskpulse.web.view_cache import ViewCache

router = APIRouter(tags=["dashboard"], responses=api_errors())


class Summary(BaseModel):
    total: int
    new: int
    assigned: int
    new_today: int


class TeamOut(BaseModel):
    id: str | None
    name: str
    total: int
    new: int
    assigned: int
    source: str


class UserOut(BaseModel):
    id: str
    name: str
    assigned: int
    source: str


class AgeBucketOut(BaseModel):
    key: str
    label: str
    sublabel: str
    count: int


class DashboardOut(BaseModel):
    summary: Summary
    teams: list[TeamOut]
    users: list[UserOut]
    age_buckets: list[AgeBucketOut]
    last_updated: datetime | None
    stale_since: datetime | None
    stale_reason: str | None
    timezone: str


class DailyCount(BaseModel):
    date: str
    count: int


class ClosedOut(BaseModel):
    closed_today: int
    closed_week: int
    closed_month: int
    closed_90d: int
    created_today_closed: int
    daily_counts: list[DailyCount]
    fetched_at: datetime | None


ERRORS = error_responses(described={404: "source names no configured source"})


def _cache(request: Request) -> ViewCache[DashboardOut]:
    cache = getattr(request.app.state, "dashboard_cache", None)
    if cache is None:
        cache = request.app.state.dashboard_cache = ViewCache[DashboardOut]()
    return cache


@router.get("/api/dashboard", response_model=DashboardOut, responses=ERRORS)
def dashboard(request: Request, session: DbSession, config: AppConfig, sources: Sources) -> DashboardOut:
    """Open tickets now: totals, per team, per agent, by age; read from the store (no vendor call)."""
    now = utcnow()
    key = (
        config.timezone,
        now.replace(second=0, microsecond=0),
        tuple((r.id, r.last_ok_at, r.data_version, r.stale_since, r.last_error) for r in sources.rows),
        sources.client_ids,
        sources.internal,
    )
    cache = _cache(request)
    cached = cache.get(key)
    if cached is None:
        cached = _compute(session, config, sources, now)
        cache.put(key, cached)
    return cached


def _compute(session: Session, config: Config, sources: SourceSelection, now: datetime) -> DashboardOut:
    ids = sources.ids
    team_names, agent_names = queries.directory_names(session, ids)
    rows = queries.board_rows(session, ids, bucket_bounds(now, config.tz), sources.client_ids)
    figures = summarize(rows, team_names, agent_names)
    source_names = {r.id: r.name for r in sources.rows}
    stale_since, reason = sources.stale
    return DashboardOut(
        summary=Summary(total=figures.total, new=figures.new, assigned=figures.assigned, new_today=figures.new_today),
        teams=[
            TeamOut(
                id=t.id,
                name=t.name,
                total=t.total,
                new=t.new,
                assigned=t.assigned,
                source=source_names.get(t.source_id, "") if t.source_id is not None else "",
            )
            for t in figures.teams
            if sources.internal  # teams and agents are internal: a customer sees only its own totals
        ],
        users=[
            UserOut(id=a.id, name=a.name, assigned=a.assigned, source=source_names.get(a.source_id, ""))
            for a in figures.agents
            if sources.internal
        ],
        age_buckets=[
            AgeBucketOut(key=b.key, label=b.label, sublabel=b.sublabel, count=figures.ages[b.key]) for b in AGE_BUCKETS
        ],
        last_updated=sources.last_updated,
        stale_since=stale_since,
        stale_reason=reason,
        timezone=config.timezone,
    )


@router.get("/api/closed", response_model=ClosedOut, responses=ERRORS)
def closed(session: DbSession, config: AppConfig, sources: Sources) -> ClosedOut:
    """Closed-ticket statistics by local calendar day (windows include today)."""
    windows = closed_windows(utcnow(), config.tz)
    figures, per_day = queries.closed_stats(session, sources.ids, windows, config.tz, sources.client_ids)
    return ClosedOut(
        **figures,
        daily_counts=[DailyCount(date=d.isoformat(), count=n) for d, n in per_day],
        fetched_at=sources.last_updated,
    )
