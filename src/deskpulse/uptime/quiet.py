"""Services that were up throughout a window, told without evaluating the window step by step.

A device is *steadily up* when monitoring had it up for the whole window and each of its parent groups has at
least ``need`` steadily-up members. That is enough for it to be effectively up at every instant of the window
(the rule is monotone), so a service on a steadily-up device needs no evaluation: the incremental computation
extends its earlier figures by the window instead. The converse does not hold (two redundant members down at
different times), and such services are simply evaluated.
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
    """Ids of the services (without a schedule) of the version in force throughout ``window`` whose device was
    steadily up. Empty when the version changes inside the window or a global poller gap touches it."""
    pieces = history.pieces(window.start, window.end)
    if len(pieces) != 1 or _overlaps(monitoring.poller_gaps, window):
        return set()
    version = pieces[0][1]
    steady: dict[str, bool] = {}

    def steadily_up(hostname: str) -> bool:
        # Iterative post-order walk up the parents (graphs are validated acyclic).
        stack = [hostname]
        while stack:
            current = stack[-1]
            if current in steady:
                stack.pop()
                continue
            groups = version.parents_of(current)
            pending = [m for g in groups for m in g.of if m not in steady]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            own = not _disturbed(monitoring.devices.get(current), window)
            steady[current] = own and all(sum(steady[m] for m in g.of) >= g.need for g in groups)
        return steady[hostname]

    return {s.id for s in version.services if s.schedule is None and steadily_up(s.device)}
