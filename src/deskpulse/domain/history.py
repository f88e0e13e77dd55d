"""Ticket-count history: read-time outlier flagging, hourly rollups, retention and chart downsampling.

Snapshots are stored raw every sync cycle; glitches (a partial ticket list, a double-counted page) are
flagged when the history is read, never dropped at write time, so a better filter can always be applied
later and a genuine level shift can never freeze the timeline the way a write-time filter did.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median

__all__ = [
    "RANGES",
    "HampelParams",
    "HistoryPoint",
    "downsample",
    "flag_history",
    "flag_outliers",
    "hourly_rollup",
    "retention_cutoffs",
]

# 1.4826 * MAD estimates the standard deviation of normally distributed noise.
_MAD_TO_SIGMA = 1.4826

RANGES: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "1y": timedelta(days=365),
}


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One snapshot of the desk's ticket counts; `closed` is the number closed today at that moment."""

    ts: datetime
    open: int
    assigned: int
    total: int
    closed: int

    def __post_init__(self) -> None:
        if self.ts.utcoffset() is None:
            raise ValueError("HistoryPoint.ts must be timezone-aware (UTC)")


@dataclass(frozen=True, slots=True)
class HampelParams:
    """Tuning of the sequential Hampel filter used by `flag_outliers`."""

    window: int = 7
    threshold: float = 3.0
    min_scale_abs: float = 2.0
    min_scale_rel: float = 0.02
    confirm: int = 3
    min_points: int = 3

    def __post_init__(self) -> None:
        if self.window < 1 or self.confirm < 1 or self.min_points < 1:
            raise ValueError("window, confirm and min_points must be >= 1")
        if self.min_points > self.window:
            # The reference never holds more than `window` values, so nothing could ever be flagged.
            raise ValueError("min_points must not exceed window")
        if not self.threshold > 0 or self.min_scale_abs < 0 or self.min_scale_rel < 0:
            raise ValueError("threshold must be > 0 and the scale floors >= 0")


def _scale(values: Sequence[float], centre: float, params: HampelParams) -> float:
    """Robust sigma of `values` around `centre`, floored so flat stretches don't flag +-1 noise."""
    mad = median(abs(v - centre) for v in values)
    return max(_MAD_TO_SIGMA * mad, params.min_scale_abs, params.min_scale_rel * abs(centre))


def _is_level_shift(run: Sequence[float], med: float, tol: float, scale: float, params: HampelParams) -> bool:
    """True when `run` sits entirely on one side of `med` (beyond `tol`) and agrees with itself."""
    if len(run) < params.confirm:
        return False  # the series ends before the shift could be confirmed
    side = 1.0 if run[0] > med else -1.0
    if not all((v - med) * side > tol for v in run):
        return False
    run_med = median(run)
    # The relative floor is re-evaluated at the new level: after a jump from ~100 to ~1000 the old
    # level's floor would be too tight for ordinary noise there and could stall confirmation.
    run_tol = params.threshold * max(scale, params.min_scale_rel * abs(run_med))
    return all(abs(v - run_med) <= run_tol for v in run)


def flag_outliers(values: Sequence[float], params: HampelParams = HampelParams()) -> list[bool]:
    """Flag glitches in a chronological series (True = outlier) with a sequential Hampel filter.

    A deviation held consistently for `params.confirm` points is a genuine level shift and is accepted.
    """
    n = len(values)
    flags = [False] * n
    # Only accepted values enter the reference, so a glitch can't drag the median towards itself.
    ref: deque[float] = deque(maxlen=params.window)
    i = 0
    while i < n:
        x = values[i]
        if len(ref) < params.min_points:
            ref.append(x)
            i += 1
            continue
        med = median(ref)
        scale = _scale(ref, med, params)
        tol = params.threshold * scale
        if abs(x - med) <= tol:
            ref.append(x)
            i += 1
            continue
        run = values[i : i + params.confirm]
        if _is_level_shift(run, med, tol, scale, params):
            # Restart the reference at the new level so later points there are accepted at once;
            # this is what stops the filter freezing after a genuine jump.
            ref.clear()
            ref.extend(run)
            i += len(run)
            continue
        flags[i] = True
        i += 1
    return flags


def flag_history(points: Sequence[HistoryPoint], params: HampelParams = HampelParams()) -> list[bool]:
    """Flag points whose `total`, `open` or `assigned` count is an outlier in its own series.

    `closed` is not checked: it drops to 0 at midnight by design, which is not a glitch.
    """
    flags = [False] * len(points)
    for field in ("total", "open", "assigned"):
        series = [getattr(p, field) for p in points]
        flags = [a or b for a, b in zip(flags, flag_outliers(series, params), strict=True)]
    return flags


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _median_point(ts: datetime, points: Sequence[HistoryPoint]) -> HistoryPoint:
    """A point at `ts` whose counts are the per-field medians of `points`, rounded half up."""
    return HistoryPoint(
        ts=ts,
        open=_round_half_up(median(p.open for p in points)),
        assigned=_round_half_up(median(p.assigned for p in points)),
        total=_round_half_up(median(p.total for p in points)),
        closed=_round_half_up(median(p.closed for p in points)),
    )


def _hour_start(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly_rollup(points: Sequence[HistoryPoint], outliers: Sequence[bool]) -> list[HistoryPoint]:
    """One point per UTC hour (ts = hour start) with the median counts of that hour's non-outliers.

    Hours holding only outliers are omitted; the result is sorted by hour.
    """
    if len(points) != len(outliers):
        raise ValueError("points and outliers must have the same length")
    by_hour: dict[datetime, list[HistoryPoint]] = {}
    for point, is_outlier in zip(points, outliers, strict=True):
        if not is_outlier:
            by_hour.setdefault(_hour_start(point.ts), []).append(point)
    return [_median_point(hour, by_hour[hour]) for hour in sorted(by_hour)]


def retention_cutoffs(now: datetime, raw_days: int = 35, rollup_days: int = 730) -> tuple[datetime, datetime]:
    """(raw cutoff, rollup cutoff): older raw points are rolled up then deleted; older rollups are deleted.

    Both are floored to the UTC hour so an hour is never rolled up from a partial set of raw points.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if raw_days < 0 or rollup_days < 0:
        raise ValueError("retention periods must be >= 0 days")
    hour = _hour_start(now)
    return hour - timedelta(days=raw_days), hour - timedelta(days=rollup_days)


def downsample(points: Sequence[HistoryPoint], max_points: int) -> list[HistoryPoint]:
    """Reduce a series to at most `max_points` by even time buckets, taking each bucket's median.

    The first and last timestamps are kept so the chart's time axis doesn't shrink.
    """
    if max_points < 2:
        raise ValueError("max_points must be >= 2")
    ordered = sorted(points, key=lambda p: p.ts)
    if len(ordered) <= max_points:
        return ordered
    first, last = ordered[0].ts, ordered[-1].ts
    span = last - first
    buckets: list[list[HistoryPoint]] = [[] for _ in range(max_points)]
    for p in ordered:
        # Integer timedelta division keeps bucket boundaries exact; the last point lands in the last bucket.
        idx = (p.ts - first) * max_points // span if span else 0
        buckets[min(idx, max_points - 1)].append(p)
    filled = [b for b in buckets if b]  # gaps in the data leave buckets empty
    out: list[HistoryPoint] = []
    for k, bucket in enumerate(filled):
        if k == 0:
            ts = first
        elif k == len(filled) - 1:
            ts = last
        else:
            ts = bucket[(len(bucket) - 1) // 2].ts
        out.append(_median_point(ts, bucket))
    return out
