"""Seeded outage history of the simulated network, and how LibreNMS records it.

Two views of the same past:

* ``actual``: when each device really was down (what happened on the wire);
* ``recorded``: what LibreNMS stored in its ``outages`` table and serves on ``/devices/:h/outages``. While the
  poller itself is down (a *poller gap*) nothing is observed: an outage that starts in a gap is recorded from
  the first poll after it, one that ends in a gap is closed at that poll, one inside a gap is never recorded.

Devices cut off by an upstream failure get no outage of their own: LibreNMS skips devices whose parents are
all down [I: the simulated convention], so they keep status "up" with a stale ``last_polled``. The events
listed in ``upstream`` say which devices were cut off, so tests can check a dependency-aware computation.
All times are integer Unix seconds (UTC).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from deskpulse.simulators.librenms_topology import ROLE_CPE, Topology

DAY, HOUR, MINUTE = 86_400, 3_600, 60
# Mean number of outages per device in 90 days, by role (carriers fail more than our own cores).
_RATE = {"carrier": 1.0, "core": 0.3, "distribution": 0.5, "access": 0.8, "cpe": 1.2}
_MARGIN = 15 * MINUTE  # background outages keep this far from other outages in the same lineage


@dataclass(frozen=True, slots=True)
class OutageSpan:
    """One outage; ``end`` None = still down (LibreNMS's ``up_again`` null)."""

    start: int
    end: int | None


@dataclass(frozen=True, slots=True)
class PollerGap:
    """A period in which the LibreNMS poller did not run: no observations at all."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Planned work on one device (ground truth for the uptime engine; LibreNMS v0 does not list these)."""

    hostname: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class UpstreamEvent:
    """A period in which ``failed`` (non-CPE devices) were down; ``unreachable`` were cut off but not marked down.

    An empty ``unreachable`` means redundancy carried the load (e.g. one of two carrier uplinks down).
    """

    failed: tuple[str, ...]
    start: int
    end: int
    unreachable: tuple[str, ...]


@dataclass(slots=True)
class History:
    """The seeded past: actual outages, poller gaps, maintenance and the named special cases."""

    actual: dict[str, list[OutageSpan]] = field(default_factory=dict)
    gaps: list[PollerGap] = field(default_factory=list)
    maintenance: list[MaintenanceWindow] = field(default_factory=list)
    flapping: list[str] = field(default_factory=list)
    hidden_by_gap: list[str] = field(default_factory=list)

    def put(self, hostname: str, start: int, end: int | None) -> None:
        """Add an outage to ``hostname`` (kept sorted by start)."""
        spans = self.actual.setdefault(hostname, [])
        spans.append(OutageSpan(start, end))
        spans.sort(key=lambda span: span.start)


def as_recorded(spans: Sequence[OutageSpan], gaps: Sequence[PollerGap]) -> list[OutageSpan]:
    """What LibreNMS stores for ``spans`` given the poller gaps (see the module docstring)."""
    recorded = []
    for span in spans:
        start, end = _after_gap(span.start, gaps), span.end
        if end is not None:
            end = _after_gap(end, gaps)
            if end <= start:
                continue  # down and back up again while nobody was looking
        recorded.append(OutageSpan(start, end))
    return recorded


def _after_gap(ts: int, gaps: Sequence[PollerGap]) -> int:
    for gap in gaps:
        if gap.start <= ts < gap.end:
            return gap.end
    return ts


def upstream_events(topo: Topology, actual: dict[str, list[OutageSpan]], now: int) -> list[UpstreamEvent]:
    """Every period in which some non-CPE device was down, with the devices it cut off (a boundary sweep)."""
    spans = [
        (host, span.start, span.end if span.end is not None else now)
        for host, host_spans in actual.items()
        if host in topo.by_host and topo.by_host[host].role != ROLE_CPE
        for span in host_spans
    ]
    edges = sorted({t for _, start, end in spans for t in (start, end)})
    events: list[UpstreamEvent] = []
    for left, right in itertools.pairwise(edges):
        failed = tuple(sorted(host for host, start, end in spans if start <= left and end >= right))
        if not failed:
            continue
        cut = tuple(sorted(topo.isolated_by(failed)))
        last = events[-1] if events else None
        if last is not None and last.end == left and last.failed == failed and last.unreachable == cut:
            events[-1] = UpstreamEvent(failed, last.start, right, cut)
        else:
            events.append(UpstreamEvent(failed, left, right, cut))
    return events


class _Builder:
    """Places outages so that no two in one lineage (self, ancestors, descendants) overlap by accident."""

    def __init__(self, topo: Topology, rng: random.Random, now: int, days: int) -> None:
        self.topo, self.rng, self.now, self.days = topo, rng, now, days
        self.history = History()
        self._lineage: dict[str, set[str]] = {}
        self.midnight = now - now % DAY

    def at(self, days_ago: int, hour: int, minute: int = 0) -> int:
        """UTC wall time ``days_ago`` days before today."""
        return self.midnight - days_ago * DAY + hour * HOUR + minute * MINUTE

    def lineage(self, host: str) -> set[str]:
        if host not in self._lineage:
            self._lineage[host] = {host} | self.topo.ancestors(host) | self.topo.descendants(host)
        return self._lineage[host]

    def free(self, host: str, start: int, end: int) -> bool:
        """True when [start, end) keeps ``_MARGIN`` away from everything that would blur the picture."""
        lo, hi = start - _MARGIN, end + _MARGIN
        if end > self.now - 2 * HOUR or start < self.topo.by_host[host].added_at:
            return False
        if any(g.start < hi and g.end > lo for g in self.history.gaps):
            return False
        lineage = self.lineage(host)
        if any(w.hostname in lineage and w.start < hi and w.end > lo for w in self.history.maintenance):
            return False
        for other in lineage:
            for span in self.history.actual.get(other, ()):
                if span.start < hi and (span.end is None or span.end > lo):
                    return False
        return True

    def background(self) -> None:
        """Random outages per device: a geometric count by role, log-normal durations (2 min to 6 h)."""
        for device in self.topo.devices.values():
            if device.disabled:
                continue
            mean = _RATE[device.role] * self.days / 90
            count = 0
            while self.rng.random() < mean / (1 + mean):
                count += 1
            for _ in range(count):
                duration = int(min(6 * HOUR, max(2 * MINUTE, self.rng.lognormvariate(math.log(15 * MINUTE), 1.0))))
                for _attempt in range(5):
                    start = self.rng.randrange(self.now - self.days * DAY, self.now - 2 * HOUR - duration)
                    if self.free(device.hostname, start, start + duration):
                        self.history.put(device.hostname, start, start + duration)
                        break


def build_history(topo: Topology, rng: random.Random, now: int, *, days: int = 90) -> History:
    """The named special cases (see docs/connectors/librenms.md), then random background outages."""
    b = _Builder(topo, rng, now, days)
    h = b.history
    cpes = [d.hostname for d in topo.devices.values() if d.role == ROLE_CPE and not d.disabled and not d.ignore]
    # Single-homed access switches whose failure cuts CPEs off (some CPEs are dual-homed to two switches).
    singles = [
        d.hostname
        for d in topo.devices.values()
        if d.role == "access" and len(d.parents[0].of) == 1 and topo.isolated_by([d.hostname])
    ]
    if days >= 61:
        # Both carriers down at once for 8 minutes: the only time redundancy at the top does not help.
        h.put("upl-a-01", b.at(45, 3, 0), b.at(45, 3, 20))
        h.put("upl-b-01", b.at(45, 3, 10), b.at(45, 3, 18))
        # Poller gaps; one CPE outage hides entirely inside one, two straddle an edge.
        h.gaps += [PollerGap(b.at(60, 2), b.at(60, 5)), PollerGap(b.at(20, 13), b.at(20, 13, 50))]
        h.put(cpes[6], b.at(60, 3), b.at(60, 3, 20))
        h.hidden_by_gap.append(cpes[6])
        h.put(cpes[7], b.at(20, 12, 50), b.at(20, 13, 15))
        h.put(cpes[8], b.at(60, 4, 30), b.at(60, 5, 40))
    if days >= 31:
        # One carrier down for two hours: the cores need 1 of 2 uplinks, so nothing is cut off.
        h.put("upl-a-01", b.at(5, 9), b.at(5, 11))
        # A distribution switch down for 40 minutes: its single-homed access switches and their CPEs are cut
        # off, and LibreNMS records nothing for them.
        h.put("dist-sw-01", b.at(12, 14, 10), b.at(12, 14, 50))
        if singles:
            h.put(singles[0], b.at(30, 22, 5), b.at(30, 22, 30))
        # Maintenance: a redundant core (no impact) and a single-homed access switch (its CPEs are cut off).
        h.maintenance.append(MaintenanceWindow("core-01", b.at(8, 1), b.at(8, 2)))
        h.put("core-01", b.at(8, 1, 10), b.at(8, 1, 40))
        if len(singles) > 1:
            h.maintenance.append(MaintenanceWindow(singles[1], b.at(15, 0), b.at(15, 1)))
            h.put(singles[1], b.at(15, 0, 15), b.at(15, 0, 35))
    # Flapping: six short outages, each up period shorter than one poll interval.
    flap, t = cpes[4], b.at(3, 10)
    for _ in range(6):
        down = rng.randrange(60, 200)
        h.put(flap, t, t + down)
        t += down + rng.randrange(60, 240)
    h.flapping.append(flap)
    # The one open outage: a CPE down since 2 h 13 min ago.
    h.put(cpes[1], now - 2 * HOUR - 13 * MINUTE, None)
    b.background()
    return h
