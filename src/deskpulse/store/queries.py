"""Aggregations the dashboards read, done in the database so a view costs a few indexed queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.domain.board import AGE_BUCKETS, BucketBounds, ClosedWindows, local_date
from deskpulse.domain.tickets import StatusCategory
from deskpulse.store.tables import AgentRow, SourceRow, TeamRow, TicketRow

NO_TEAM = "No team"
_NEW = StatusCategory.NEW.value
_ASSIGNED = StatusCategory.ASSIGNED.value


@dataclass(frozen=True, slots=True)
class TeamCount:
    """Open tickets of one team."""

    source: str
    id: str | None
    name: str
    total: int
    new: int
    assigned: int


@dataclass(frozen=True, slots=True)
class AgentCount:
    """Assigned tickets of one agent."""

    source: str
    id: str
    name: str
    assigned: int


def _active(source_ids: Sequence[int]) -> list[ColumnElement[bool]]:
    return [TicketRow.source_id.in_(source_ids), TicketRow.is_active.is_(True)]


def summary(session: Session, source_ids: Sequence[int], today_start: datetime) -> dict[str, int]:
    """total / new / assigned open tickets, and new_today (open+assigned created since local midnight)."""
    row = session.execute(
        select(
            func.count(),
            func.count(case((TicketRow.status_category == _NEW, 1))),
            func.count(case((TicketRow.status_category == _ASSIGNED, 1))),
            func.count(
                case(
                    (
                        and_(
                            TicketRow.status_category.in_((_NEW, _ASSIGNED)),
                            TicketRow.created_at >= today_start,
                        ),
                        1,
                    )
                )
            ),
        ).where(*_active(source_ids))
    ).one()
    return {"total": row[0], "new": row[1], "assigned": row[2], "new_today": row[3]}


def _names(
    session: Session, table: type[TeamRow] | type[AgentRow], source_ids: Sequence[int]
) -> dict[tuple[int, str], str]:
    rows = session.execute(
        select(table.source_id, table.external_id, table.name).where(table.source_id.in_(source_ids))
    ).all()
    return {(sid, ext): name for sid, ext, name in rows}


def _source_names(session: Session, source_ids: Sequence[int]) -> dict[int, str]:
    return dict(session.execute(select(SourceRow.id, SourceRow.name).where(SourceRow.id.in_(source_ids))).all())


def per_team(session: Session, source_ids: Sequence[int]) -> list[TeamCount]:
    """Teams that have open tickets, total descending, tickets without a (known) team last as "No team"."""
    # Group the tickets first, then attach names to the handful of groups (not to every ticket).
    rows = session.execute(
        select(
            TicketRow.source_id,
            TicketRow.team_external_id,
            func.count(),
            func.count(case((TicketRow.status_category == _NEW, 1))),
            func.count(case((TicketRow.status_category == _ASSIGNED, 1))),
        )
        .where(*_active(source_ids))
        .group_by(TicketRow.source_id, TicketRow.team_external_id)
    ).all()
    names, sources = _names(session, TeamRow, source_ids), _source_names(session, source_ids)
    teams = [
        TeamCount(sources[sid], ext, names.get((sid, ext)) or f"Team {ext}", total, new, assigned)
        for sid, ext, total, new, assigned in rows
        if ext is not None
    ]
    teams.sort(key=lambda t: (-t.total, t.name.lower()))
    loose = [r for r in rows if r[1] is None]
    if loose:
        teams.append(
            TeamCount(
                sources[loose[0][0]] if len(loose) == 1 else "",
                None,
                NO_TEAM,
                sum(r[2] for r in loose),
                sum(r[3] for r in loose),
                sum(r[4] for r in loose),
            )
        )
    return teams


def per_agent(session: Session, source_ids: Sequence[int]) -> list[AgentCount]:
    """Assigned (ASSIGNED only) tickets per agent, descending."""
    rows = session.execute(
        select(TicketRow.source_id, TicketRow.agent_external_id, func.count())
        .where(*_active(source_ids), TicketRow.status_category == _ASSIGNED, TicketRow.agent_external_id.is_not(None))
        .group_by(TicketRow.source_id, TicketRow.agent_external_id)
    ).all()
    names, sources = _names(session, AgentRow, source_ids), _source_names(session, source_ids)
    agents = [
        AgentCount(sources[sid], str(ext), names.get((sid, str(ext))) or f"Agent {ext}", n) for sid, ext, n in rows
    ]
    agents.sort(key=lambda a: (-a.assigned, a.name.lower()))
    return agents


def age_counts(session: Session, source_ids: Sequence[int], bounds: BucketBounds) -> dict[str, int]:
    """Open tickets (new + assigned) per age bucket key."""
    whens: list[tuple[ColumnElement[bool], str]] = [(TicketRow.created_at >= bounds.today_start, "today")]
    whens += [(TicketRow.created_at > after, key) for key, after in bounds.created_after]
    bucket = case(*whens, else_="older")
    rows = session.execute(
        select(bucket, func.count())
        .where(*_active(source_ids), TicketRow.status_category.in_((_NEW, _ASSIGNED)))
        .group_by(bucket)
    ).all()
    counts = {b.key: 0 for b in AGE_BUCKETS}
    counts.update({str(k): int(n) for k, n in rows})
    return counts


def closed_stats(
    session: Session, source_ids: Sequence[int], windows: ClosedWindows, tz: tzinfo
) -> tuple[dict[str, int], list[tuple[date, int]]]:
    """Closed counts per window, created-and-closed today, and closed per local day over 90 days."""
    closed = [TicketRow.source_id.in_(source_ids), TicketRow.closed_at.is_not(None), TicketRow.is_active.is_(False)]
    row = session.execute(
        select(
            func.count(case((TicketRow.closed_at >= windows.today, 1))),
            func.count(case((TicketRow.closed_at >= windows.week, 1))),
            func.count(case((TicketRow.closed_at >= windows.month, 1))),
            func.count(),
            func.count(case((and_(TicketRow.closed_at >= windows.today, TicketRow.created_at >= windows.today), 1))),
        ).where(*closed, TicketRow.closed_at >= windows.quarter)
    ).one()
    stamps = session.scalars(select(TicketRow.closed_at).where(*closed, TicketRow.closed_at >= windows.quarter))
    per_day: dict[date, int] = {}
    for stamp in stamps:
        if stamp is not None:
            day = local_date(stamp, tz)
            per_day[day] = per_day.get(day, 0) + 1
    figures = {
        "closed_today": row[0],
        "closed_week": row[1],
        "closed_month": row[2],
        "closed_90d": row[3],
        "created_today_closed": row[4],
    }
    return figures, sorted(per_day.items())
