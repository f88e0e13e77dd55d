"""History of open / assigned / total counts, glitches flagged at read time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from deskpulse.clock import utcnow
from deskpulse.domain.history import RANGES, HistoryPoint, downsample, flag_history
from deskpulse.store.history import load_points, merge_sources
from deskpulse.web.api.errors import api_errors, error_responses
from deskpulse.web.api.iso_time import IsoDateTime
from deskpulse.web.deps import DbSession, Sources, SourceSelection

router = APIRouter(tags=["history"], responses=api_errors())
# Points before the requested window give the outlier filter its reference at the window's start.
FILTER_CONTEXT = timedelta(hours=2)
MAX_CHART_POINTS = 1500


class HistoryOut(BaseModel):
    ts: datetime
    open: int
    assigned: int
    total: int
    closed: int
    outlier: bool | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_history(
    session: Session, sources: SourceSelection, since: datetime, until: datetime
) -> tuple[list[HistoryPoint], list[bool]]:
    """Points in [since, until] summed over the selected sources, with their outlier flags."""
    start = since - FILTER_CONTEXT
    if sources.client_ids is None:
        series = [load_points(session, sid, start, until) for sid in sources.ids]
    else:  # a scoped caller sees the sum of its own clients' series, never the whole desk's
        series = [
            load_points(session, sid, start, until, cid) for sid in sources.ids for cid in sorted(sources.client_ids)
        ]
    points = merge_sources(series) if series else []
    flags = flag_history(points)
    keep = [i for i, p in enumerate(points) if p.ts >= since]
    return [points[i] for i in keep], [flags[i] for i in keep]


def _window(range_key: str | None, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    now = utcnow()
    if range_key is not None and range_key not in RANGES:
        raise HTTPException(400, detail=f"range must be one of {', '.join(RANGES)}; got {range_key!r}.")
    end = _aware(until) or now
    start = _aware(since) or end - RANGES[range_key or "24h"]
    if start >= end:
        raise HTTPException(400, detail="since must be before until.")
    return start, end


@router.get(
    "/api/history",
    response_model=list[HistoryOut],
    response_model_exclude_none=True,
    responses=error_responses(described={404: "source names no configured source"}),
)
def history(
    session: DbSession,
    sources: Sources,
    since: Annotated[IsoDateTime | None, Query(description="ISO start; default: until minus the range")] = None,
    until: Annotated[IsoDateTime | None, Query(description="ISO end; default: now")] = None,
    range_key: Annotated[str | None, Query(alias="range", description="24h, 7d, 30d or 1y (default 24h)")] = None,
    raw: Annotated[bool, Query(description="Every stored point, each with outlier: true|false")] = False,
) -> list[HistoryOut]:
    """Open/assigned/total over time. Outliers are left out (or flagged with ``raw=1``)."""
    start, end = _window(range_key, since, until)
    points, flags = read_history(session, sources, start, end)
    if raw:
        return [HistoryOut(**_as_dict(p), outlier=f) for p, f in zip(points, flags, strict=True)]
    kept = [p for p, f in zip(points, flags, strict=True) if not f]
    return [HistoryOut(**_as_dict(p)) for p in downsample(kept, MAX_CHART_POINTS)] if kept else []


def _as_dict(p: HistoryPoint) -> dict[str, Any]:
    return {"ts": p.ts, "open": p.open, "assigned": p.assigned, "total": p.total, "closed": p.closed}


def history_points(session: Session, sources: SourceSelection, range_key: str) -> list[dict[str, Any]]:
    """Filtered points for a chart, as plain dicts with ISO timestamps (used by the chart spec route)."""
    start, end = _window(range_key, None, None)
    points, flags = read_history(session, sources, start, end)
    kept = [p for p, f in zip(points, flags, strict=True) if not f]
    return [{**_as_dict(p), "ts": p.ts.isoformat()} for p in downsample(kept, MAX_CHART_POINTS)] if kept else []
