"""A service's state over time, derived from the effective status of its device.

Each moment is classified for every way the missing data could have been: UP when the device is
effectively up, MAINTENANCE when it is down but would be up with the devices inside maintenance windows
taken as up, DOWN otherwise. When all possibilities agree that is the state; when they differ it is
UNKNOWN. So a service is DOWN during a poller gap only if it is down whatever the unknown devices did
(its own device had a recorded outage outside the gap, say), and UNKNOWN whenever the gap could matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from deskpulse.uptime.effective import Effective, RootCause
from deskpulse.uptime.monitoring import DeviceStatus, Steps


class State(StrEnum):
    """What a service was doing at a moment."""

    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"
    MAINTENANCE = "maintenance"


_BY_RANK = (State.DOWN, State.MAINTENANCE, State.UP)


@dataclass(frozen=True, slots=True)
class Slice:
    """A stretch ``[start, end)`` in one state; ``cause`` is set on DOWN slices, ``device_status`` is what
    monitoring said about the service's own device."""

    start: datetime
    end: datetime
    state: State
    cause: RootCause | None = None
    device_status: DeviceStatus = DeviceStatus.UP

    @property
    def seconds(self) -> float:
        """The slice's length in seconds."""
        return (self.end - self.start).total_seconds()


def state_of(value: Effective) -> State:
    """The state for one step; the rank (down 0, maintenance 1, up 2) is monotone in the unknown devices."""
    low = int(value.lo) + int(value.lo_m)
    high = int(value.hi) + int(value.hi_m)
    return _BY_RANK[low] if low == high else State.UNKNOWN


def service_slices(device: Steps[Effective]) -> list[Slice]:
    """The slices of a service on a device with these effective steps (adjacent equal slices merged)."""
    slices = []
    for start, end, value in device.spans():
        state = state_of(value)
        cause = value.cause if state is State.DOWN else None
        slices.append(Slice(start, end, state, cause, value.own))
    return coalesce(slices)


def coalesce(slices: Iterable[Slice]) -> list[Slice]:
    """Adjacent slices with the same state, cause and device status joined into one."""
    out: list[Slice] = []
    for piece in slices:
        last = out[-1] if out else None
        if (
            last is not None
            and last.end == piece.start
            and (last.state, last.cause, last.device_status) == (piece.state, piece.cause, piece.device_status)
        ):
            out[-1] = replace(last, end=piece.end)
        else:
            out.append(piece)
    return out
