"""Aggregations the dashboards read, done in the database so a view costs a few indexed queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.domain.board import BucketBounds, ClosedWindows, CountRow, local_date
from deskpulse.store.tables import AgentRow, TeamRow, TicketRow


def _scope(client_ids: frozenset[int] | None) -> list[ColumnElement[bool]]:
    return [] if client_ids is None else [TicketRow.client_id.in_(sorted(client_ids))]


def _active(source_ids: Sequence[int], client_ids: frozenset[int] | None = None) -> list[ColumnElement[bool]]:
    return [TicketRow.source_id.in_(source_ids), TicketRow.is_active.is_(True), *_scope(client_ids)]


def board_rows(
    session: Session, source_ids: Sequence[int], bounds: BucketBounds, client_ids: frozenset[int] | None = None
) -> list[CountRow]:
    """Active tickets counted per (source, category, team, agent, age bucket) in one scan of the board index.

    One query means every figure on the board comes from the same instant of the store.
    """
    whens: list[tuple[ColumnElement[bool], str]] = [(TicketRow.created_at >= bounds.today_start, "today")]
    whens += [(TicketRow.created_at > after, key) for key, after in bounds.created_after]
    bucket = case(*whens, else_="older")
    keys = (
        TicketRow.source_id,
        TicketRow.status_category,
        TicketRow.team_external_id,
        TicketRow.agent_external_id,
        bucket,
    )
    rows = session.execute(select(*keys, func.count()).where(*_active(source_ids, client_ids)).group_by(*keys)).all()
    return [CountRow(sid, cat, team, agent, str(b), int(n)) for sid, cat, team, agent, b, n in rows]


def directory_names(
    session: Session, source_ids: Sequence[int]
) -> tuple[dict[tuple[int, str], str], dict[tuple[int, str], str]]:
    """(team names, agent names) keyed by (source id, external id)."""
    out: list[dict[tuple[int, str], str]] = []
    for table in (TeamRow, AgentRow):
        rows = session.execute(
            select(table.source_id, table.external_id, table.name).where(table.source_id.in_(source_ids))
        ).all()
        out.append({(sid, ext): name for sid, ext, name in rows})
    return out[0], out[1]


def closed_stats(
    session: Session,
    source_ids: Sequence[int],
    windows: ClosedWindows,
    tz: tzinfo,
    client_ids: frozenset[int] | None = None,
) -> tuple[dict[str, int], list[tuple[date, int]]]:
    """Closed counts per window, created-and-closed today, and closed per local day over 90 days."""
    closed = [
        TicketRow.source_id.in_(source_ids),
        TicketRow.closed_at.is_not(None),
        TicketRow.is_active.is_(False),
        *_scope(client_ids),
    ]
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
