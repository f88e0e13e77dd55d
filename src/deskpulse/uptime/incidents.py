"""Incidents: the DOWN runs of a service's counted slices, each with its root cause.

An incident's root cause is the cause that accounts for most of its downtime (the first one on a tie);
``causes`` lists every cause in order of appearance, since merged flaps can have several.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.effective import RootCause
from deskpulse.uptime.figures import seconds_inside
from deskpulse.uptime.monitoring import DeviceStatus
from deskpulse.uptime.timeline import Slice, State


@dataclass(frozen=True, slots=True)
class Incident:
    """A period in which the service was down."""

    service_id: str
    start: datetime
    end: datetime | None  # None while still down at ``now``
    duration_s: float  # within the period, up to ``now`` while ongoing
    counted_s: float  # the part inside the service's schedule, which is what the figures count
    root_cause: RootCause
    causes: tuple[RootCause, ...]
    customer_device_stayed_up: bool  # monitoring had the customer's own device up throughout
    from_period_start: bool = False  # the incident was already going on when the period began
    to_period_end: bool = False  # it was still going on when the period ended (and the period is over)


def find_incidents(
    service_id: str, slices: Sequence[Slice], scheduled: Sequence[Interval], period: Interval, now: datetime
) -> list[Incident]:
    """One incident per maximal run of contiguous DOWN slices."""
    incidents: list[Incident] = []
    i = 0
    while i < len(slices):
        if slices[i].state is not State.DOWN:
            i += 1
            continue
        j = i + 1
        while j < len(slices) and slices[j].state is State.DOWN and slices[j].start == slices[j - 1].end:
            j += 1
        incidents.append(_incident(service_id, slices[i:j], scheduled, period, now))
        i = j
    return incidents


def _incident(
    service_id: str, run: Sequence[Slice], scheduled: Sequence[Interval], period: Interval, now: datetime
) -> Incident:
    start, end = run[0].start, run[-1].end
    per_cause: dict[RootCause, timedelta] = {}
    for piece in run:
        if piece.cause is not None:
            per_cause[piece.cause] = per_cause.get(piece.cause, timedelta(0)) + (piece.end - piece.start)
    causes = tuple(per_cause)
    if not causes:
        raise ValueError("every DOWN slice carries its root cause")
    root = max(causes, key=lambda c: per_cause[c])  # max keeps the first of equals: the earliest cause
    ongoing = end == now
    return Incident(
        service_id=service_id,
        start=start,
        end=None if ongoing else end,
        duration_s=(end - start).total_seconds(),
        counted_s=seconds_inside(start, end, scheduled),
        root_cause=root,
        causes=causes,
        customer_device_stayed_up=all(piece.device_status is DeviceStatus.UP for piece in run),
        from_period_start=start == period.start,
        to_period_end=end == period.end and not ongoing,
    )
