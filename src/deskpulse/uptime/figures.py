"""Seconds per state within scheduled time, and the SLIs derived from them.

Only scheduled time is counted: with a business-hours schedule an outage at night costs nothing, and
``up + down + unknown + maintenance == scheduled`` always holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.timeline import Slice, State


@dataclass(frozen=True, slots=True)
class Figures:
    """Counted seconds per state; ``scheduled_s`` is their sum (the observed scheduled time)."""

    up_s: float = 0.0
    down_s: float = 0.0
    unknown_s: float = 0.0
    maintenance_s: float = 0.0
    scheduled_s: float = 0.0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.up_s + other.up_s,
            self.down_s + other.down_s,
            self.unknown_s + other.unknown_s,
            self.maintenance_s + other.maintenance_s,
            self.scheduled_s + other.scheduled_s,
        )

    @property
    def measured_s(self) -> float:
        """The SLI's denominator: scheduled time minus maintenance and unknown time (``up + down``)."""
        return self.up_s + self.down_s

    @property
    def sli(self) -> float | None:
        """``up / (scheduled - maintenance - unknown)`` in [0, 1]; None when nothing was measured."""
        return self.up_s / self.measured_s if self.measured_s > 0 else None

    @property
    def sli_note(self) -> str | None:
        """Why ``sli`` is None, as a sentence; None when there is an SLI."""
        if self.measured_s > 0:
            return None
        if self.scheduled_s == 0:
            return "no scheduled time in the period"
        return "all scheduled time was maintenance or without monitoring data"

    @property
    def sli_conservative(self) -> float | None:
        """``(scheduled - down) / scheduled``: unknown and maintenance counted as up; None without scheduled time."""
        return (self.scheduled_s - self.down_s) / self.scheduled_s if self.scheduled_s > 0 else None

    @classmethod
    def from_segments(cls, segments: Iterable[tuple[datetime, datetime, State]]) -> Figures:
        """Sum counted segments exactly (as timedeltas) before converting to seconds."""
        totals = dict.fromkeys(State, timedelta(0))
        for start, end, state in segments:
            totals[state] += end - start
        up, down = totals[State.UP], totals[State.DOWN]
        unknown, maintenance = totals[State.UNKNOWN], totals[State.MAINTENANCE]
        return cls(
            up.total_seconds(),
            down.total_seconds(),
            unknown.total_seconds(),
            maintenance.total_seconds(),
            (up + down + unknown + maintenance).total_seconds(),
        )


def counted_segments(
    slices: Sequence[Slice], scheduled: Sequence[Interval]
) -> Iterator[tuple[datetime, datetime, State]]:
    """The parts of ``slices`` inside the ``scheduled`` intervals (both sorted and disjoint)."""
    i = 0
    for slice_ in slices:
        while i < len(scheduled) and scheduled[i].end <= slice_.start:
            i += 1
        k = i
        while k < len(scheduled) and scheduled[k].start < slice_.end:
            lo, hi = max(slice_.start, scheduled[k].start), min(slice_.end, scheduled[k].end)
            if lo < hi:
                yield lo, hi, slice_.state
            k += 1


def seconds_inside(start: datetime, end: datetime, intervals: Sequence[Interval]) -> float:
    """Seconds of ``[start, end)`` covered by the sorted, disjoint ``intervals``."""
    total = timedelta(0)
    for iv in intervals:
        lo, hi = max(start, iv.start), min(end, iv.end)
        if lo < hi:
            total += hi - lo
    return total.total_seconds()
