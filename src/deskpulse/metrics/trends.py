"""Trends: tickets created and resolved per local day, the end-of-day backlog, and its 14-day forecast."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from deskpulse.domain.forecast import forecast_backlog
from deskpulse.store.history import load_points
from deskpulse.store.tables import TicketRow

BACKLOG_DAYS = 8 * 7 + 14 + 14  # enough for eight weekly back-test origins with a 14-day fit before each


def _scope(source_ids: Sequence[int], client_ids: frozenset[int] | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [TicketRow.source_id.in_(source_ids), TicketRow.deleted_at.is_(None)]
    if client_ids is not None:
        where.append(TicketRow.client_id.in_(sorted(client_ids)))
    return where


def _per_day(stamps: Sequence[datetime], tz: tzinfo, first: date, last: date) -> list[dict[str, Any]]:
    counts: dict[date, int] = defaultdict(int)
    for at in stamps:
        counts[at.astimezone(tz).date()] += 1
    days = (last - first).days + 1
    return [{"date": (first + timedelta(days=i)).isoformat(), "count": counts[first + timedelta(days=i)]}
            for i in range(days)]  # fmt: skip


def created_resolved(
    session: Session,
    source_ids: Sequence[int],
    client_ids: frozenset[int] | None,
    *,
    now: datetime,
    tz: tzinfo,
    days: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(created per day, resolved per day) for the ``days`` local days up to today, zero days included."""
    last = now.astimezone(tz).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tz)
    where = _scope(source_ids, client_ids)
    created = session.scalars(select(TicketRow.created_at).where(*where, TicketRow.created_at >= start)).all()
    done = func.coalesce(TicketRow.resolved_at, TicketRow.closed_at)
    resolved = session.scalars(select(done).where(*where, TicketRow.is_active.is_(False), done >= start)).all()
    return _per_day(created, tz, first, last), _per_day([r for r in resolved if r is not None], tz, first, last)


def daily_backlog(
    session: Session,
    source_ids: Sequence[int],
    client_ids: frozenset[int] | None,
    *,
    now: datetime,
    tz: tzinfo,
    days: int = BACKLOG_DAYS,
) -> list[tuple[date, float]]:
    """The open backlog at the end of each local day (the day's last history point), summed over the series.

    Only days on which every series has a point are kept, and only the unbroken run of days ending at the
    newest one: a forecast is never fed a day nobody measured.
    """
    since = now - timedelta(days=days)
    if client_ids is None:
        series = [load_points(session, sid, since, now) for sid in source_ids]
    else:
        series = [load_points(session, sid, since, now, cid) for sid in source_ids for cid in sorted(client_ids)]
    per_series: list[dict[date, int]] = []
    for points in series:
        last_of_day: dict[date, int] = {}
        for p in points:
            last_of_day[p.ts.astimezone(tz).date()] = p.total
        if last_of_day:
            per_series.append(last_of_day)
    if not per_series:
        return []
    common = set.intersection(*(set(s) for s in per_series))
    ordered = sorted(common)
    run: list[date] = []
    for day in reversed(ordered):
        if run and (run[-1] - day).days != 1:
            break
        run.append(day)
    return [(day, float(sum(s[day] for s in per_series))) for day in reversed(run)]


def trends(
    session: Session,
    source_ids: Sequence[int],
    client_ids: frozenset[int] | None,
    *,
    now: datetime,
    tz: tzinfo,
    days: int,
) -> dict[str, Any]:
    """The trends block: created/resolved per day, backlog per day and the forecast with its back-test."""
    created, resolved = created_resolved(session, source_ids, client_ids, now=now, tz=tz, days=days)
    backlog = daily_backlog(session, source_ids, client_ids, now=now, tz=tz)
    forecast = forecast_backlog(backlog)
    return {
        "createdPerDay": created,
        "resolvedPerDay": resolved,
        "backlog": [{"date": d.isoformat(), "open": int(v)} for d, v in backlog[-days:]],
        "forecast": {
            "method": forecast.method,
            "points": [{"date": d.isoformat(), "open": v} for d, v in forecast.points],
            "reason": forecast.reason,
            "backtest": {
                "mape": forecast.backtest.mape,
                "points": forecast.backtest.points,
                "origins": forecast.backtest.origins,
                "horizonDays": 14,
                "reason": forecast.backtest.reason,
            },
        },
    }
