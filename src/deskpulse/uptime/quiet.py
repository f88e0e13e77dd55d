"""Services on which nothing happened during a window: every device on their path was monitored and up.

Such a service is UP throughout the window whatever the graph's redundancy, so its figures for the window
need no evaluation: the incremental computation extends its earlier figures by the window instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime.history import GraphHistory
from deskpulse.uptime.monitoring import DeviceData, Monitoring


def _overlaps(spans: Iterable[Interval], window: Interval) -> bool:
    return any(s.start < window.end and s.end > window.start for s in spans)


def _disturbed(data: DeviceData | None, window: Interval) -> bool:
    """True when the device's own data says anything but "monitored and up" somewhere in ``window``."""
    if data is None:
        return True  # not monitored at all: unknown
    if data.monitored_since is not None and data.monitored_since > window.start:
        return True
    if _overlaps(data.unknown, window):
        return True
    return any(o.start < window.end and (o.end is None or o.end > window.start) for o in data.outages)


def quiet_services(history: GraphHistory, monitoring: Monitoring, window: Interval) -> set[str]:
    """Ids of the services of the version in force throughout ``window`` (no schedule) whose device and every
    ancestor were monitored and up, outside maintenance, for the whole window. Empty when the version changes
    inside the window or a global poller gap touches it."""
    pieces = history.pieces(window.start, window.end)
    if len(pieces) != 1 or _overlaps(monitoring.poller_gaps, window):
        return set()
    version = pieces[0][1]
    maintained = {w.device for w in history.maintenance if w.start < window.end and w.end > window.start}
    busy: dict[str, bool] = {}

    def path_busy(hostname: str) -> bool:
        # Iterative post-order walk up the parents (graphs are validated acyclic).
        stack = [hostname]
        while stack:
            current = stack[-1]
            if current in busy:
                stack.pop()
                continue
            parents = [m for g in version.parents_of(current) for m in g.of]
            pending = [m for m in parents if m not in busy]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            own = current in maintained or _disturbed(monitoring.devices.get(current), window)
            busy[current] = own or any(busy[m] for m in parents)
        return busy[hostname]

    return {s.id for s in version.services if s.schedule is None and not path_busy(s.device)}
