"""Effective device status through the dependency graph, with the root cause of every failure.

A device is effectively up when it is up itself and each parent group has at least ``need`` effectively-up
members. Missing data is handled exactly rather than guessed: every step carries the answer with unknown
devices taken as down (``lo``) and as up (``hi``); because the rule is monotone, the answer is decided when
the two agree. The ``*_m`` variants take devices inside a maintenance window as up, which is how a failure
caused only by planned work is told apart from a real one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.graph import GraphVersion, Location, MaintenanceWindow, ParentGroup
from deskpulse.uptime.monitoring import DeviceStatus, Monitoring, OwnState, Steps, own_steps


@dataclass(frozen=True, slots=True)
class RootCause:
    """The highest failing component: one device, or a redundancy group whose members failed separately."""

    devices: tuple[str, ...]
    location: Location
    need: int | None = None

    @property
    def label(self) -> str:
        """``"dist-sw-01"``, or ``"1 of (uplink-a, uplink-b)"`` for a failed redundancy group."""
        return self.devices[0] if self.need is None else f"{self.need} of ({', '.join(self.devices)})"


@dataclass(frozen=True, slots=True)
class Effective:
    """A device's effective status during one step; ``cause`` is set when it is down even with unknown and
    maintained devices taken as up."""

    lo: bool
    hi: bool
    lo_m: bool
    hi_m: bool
    own: DeviceStatus
    cause: RootCause | None = None


class DeviceEvaluator:
    """Effective status steps of the devices of one graph version over one window, each computed once."""

    def __init__(
        self,
        version: GraphVersion,
        monitoring: Monitoring,
        maintenance: Mapping[str, Sequence[MaintenanceWindow]],
        window: Interval,
    ) -> None:
        """``window`` must be non-empty and end at or before ``now`` (open outages run to its end)."""
        self.version, self.monitoring, self.maintenance, self.window = version, monitoring, maintenance, window
        self._done: dict[str, Steps[Effective]] = {}

    def effective(self, hostname: str) -> Steps[Effective]:
        """The effective status of ``hostname`` (its ancestors first, without recursion)."""
        stack = [(hostname, False)]
        visiting: set[str] = set()  # expanded but unfinished: exactly the devices on the current path
        while stack:
            current, expanded = stack.pop()
            if current in self._done:
                continue
            if expanded:
                self._done[current] = self._compute(current)
                visiting.discard(current)
                continue
            visiting.add(current)
            stack.append((current, True))
            for member in (m for g in self.version.parents_of(current) for m in g.of):
                if member in visiting:
                    raise ValueError(f"the parents of {current} form a cycle")  # validated graphs never get here
                if member not in self._done:
                    stack.append((member, False))
        return self._done[hostname]

    def _own(self, hostname: str) -> Steps[OwnState]:
        data = self.monitoring.devices.get(hostname)
        return own_steps(data, self.monitoring.poller_gaps, self.maintenance.get(hostname, ()), self.window)

    def _compute(self, hostname: str) -> Steps[Effective]:
        groups = self.version.parents_of(hostname)
        own = self._own(hostname)
        members = {m: self._done[m] for g in groups for m in g.of}
        inputs: list[Steps[OwnState] | Steps[Effective]] = [own, *members.values()]
        points = sorted({p for steps in inputs for p in steps.points})
        cursors = [0] * len(inputs)
        out_points: list[datetime] = []
        out_values: list[Effective] = []
        for at in points:
            for i, steps in enumerate(inputs):
                while cursors[i] + 1 < len(steps.points) and steps.points[cursors[i] + 1] <= at:
                    cursors[i] += 1
            own_value = own.values[cursors[0]]
            current = {m: members[m].values[cursors[i + 1]] for i, m in enumerate(members)}
            value = self._evaluate(hostname, own_value, groups, current)
            if not out_values or out_values[-1] != value:
                out_points.append(at)
                out_values.append(value)
        return Steps(out_points, out_values, self.window.end)

    def _evaluate(
        self, hostname: str, own: OwnState, groups: Sequence[ParentGroup], members: Mapping[str, Effective]
    ) -> Effective:
        status, maintained = own
        lo, hi = status is DeviceStatus.UP, status is not DeviceStatus.DOWN
        lo_m, hi_m = lo or maintained, hi or maintained
        failing: ParentGroup | None = None
        for group in groups:
            values = [members[m] for m in group.of]
            lo = lo and sum(v.lo for v in values) >= group.need
            hi = hi and sum(v.hi for v in values) >= group.need
            lo_m = lo_m and sum(v.lo_m for v in values) >= group.need
            if sum(v.hi_m for v in values) < group.need:
                hi_m = False
                if failing is None:
                    failing = group
        cause = None
        if not hi_m:
            cause = self._cause(hostname, failing, members)
        return Effective(lo, hi, lo_m, hi_m, status, cause)

    def _cause(self, hostname: str, failing: ParentGroup | None, members: Mapping[str, Effective]) -> RootCause:
        """Upstream first: a failed parent group outranks the device's own status."""
        if failing is None:
            return RootCause((hostname,), self.version.location_of(hostname))
        causes = {members[m].cause for m in failing.of if not members[m].hi_m}
        if len(causes) == 1:
            (single,) = causes
            if single is not None:
                return single  # the failed members share one cause further up (a core behind both uplinks)
        locations = {self.version.location_of(m) for m in failing.of}
        location = locations.pop() if len(locations) == 1 else Location.OUR_NETWORK
        return RootCause(failing.of, location, failing.need)
