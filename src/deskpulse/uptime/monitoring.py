"""What monitoring says about each device over time: outages, gaps without data, and maintenance.

Outages come from LibreNMS (``/devices/:h/outages``); an outage without an end is still open, so the device
is down until ``now``. Unknown means monitoring has no data: a poller gap, or the time before the device's
first data. Unknown wins over down: a recorded outage during a gap is not trusted. A device the monitoring
data does not mention at all is unknown throughout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.graph import MaintenanceWindow

V = TypeVar("V")


class DeviceStatus(StrEnum):
    """A device's own status as monitoring reports it, before dependencies are considered."""

    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Outage:
    """A recorded outage; ``end`` None while it is still open."""

    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceData:
    """A device's monitoring history: outages, intervals without data, and when data starts."""

    outages: Sequence[Outage] = ()
    unknown: Sequence[Interval] = ()
    monitored_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Monitoring:
    """Monitoring data of all devices, keyed by hostname; ``poller_gaps`` are unknown for every device."""

    devices: Mapping[str, DeviceData] = field(default_factory=dict)
    poller_gaps: Sequence[Interval] = ()


@dataclass(frozen=True, slots=True)
class Steps(Generic[V]):
    """A step function on ``[points[0], end)``: ``values[i]`` holds from ``points[i]`` to the next point."""

    points: list[datetime]
    values: list[V]
    end: datetime

    def spans(self) -> Iterable[tuple[datetime, datetime, V]]:
        """``(start, end, value)`` for every step."""
        ends = [*self.points[1:], self.end]
        return zip(self.points, ends, self.values, strict=True)


OwnState = tuple[DeviceStatus, bool]
"""A device's own status and whether it is inside a maintenance window."""

_DOWN, _UNKNOWN, _MAINTENANCE = 0, 1, 2


def own_steps(
    data: DeviceData | None, poller_gaps: Sequence[Interval], maintenance: Sequence[MaintenanceWindow], window: Interval
) -> Steps[OwnState]:
    """The device's own status and maintenance flag over ``window`` (whose end is at most ``now``)."""
    lo, hi = window
    deltas: dict[datetime, list[int]] = {}

    def add(kind: int, start: datetime, end: datetime | None) -> None:
        start, end = max(start, lo), hi if end is None else min(end, hi)
        if start < end:
            deltas.setdefault(start, [0, 0, 0])[kind] += 1
            deltas.setdefault(end, [0, 0, 0])[kind] -= 1

    if data is None:
        add(_UNKNOWN, lo, hi)
    else:
        for outage in data.outages:
            add(_DOWN, outage.start, outage.end)
        for gap in data.unknown:
            add(_UNKNOWN, gap.start, gap.end)
        if data.monitored_since is not None:
            add(_UNKNOWN, lo, data.monitored_since)
    for gap in poller_gaps:
        add(_UNKNOWN, gap.start, gap.end)
    for planned in maintenance:
        add(_MAINTENANCE, planned.start, planned.end)

    deltas.setdefault(lo, [0, 0, 0])
    counts = [0, 0, 0]
    points: list[datetime] = []
    values: list[OwnState] = []
    for at in sorted(deltas):
        if at >= hi:
            break
        counts = [c + d for c, d in zip(counts, deltas[at], strict=True)]
        status = DeviceStatus.UNKNOWN if counts[_UNKNOWN] else DeviceStatus.DOWN if counts[_DOWN] else DeviceStatus.UP
        value = (status, counts[_MAINTENANCE] > 0)
        if not values or values[-1] != value:
            points.append(at)
            values.append(value)
    return Steps(points, values, hi)
