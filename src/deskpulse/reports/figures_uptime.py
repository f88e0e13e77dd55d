"""The uptime section of a report: the client's services over the period, from the uptime page's own view.

``UptimeView`` computes every service of a period once and keeps it (until monitoring data or the graph
change), so the reports of one month share one computation: callers pass the app's view, and reports made
without one share a view per configuration.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from deskpulse.config import Config
from deskpulse.domain.sla.hours import Interval
from deskpulse.uptime import Incident, ServiceAvailability
from deskpulse.web.uptime_view import UptimeView

_SHARED: OrderedDict[int, tuple[Config, UptimeView]] = OrderedDict()
_SHARED_LOCK = threading.Lock()
_SHARED_SIZE = 2


def shared_view(config: Config) -> UptimeView:
    """One ``UptimeView`` per configuration object (the few newest kept), for callers without the app's."""
    with _SHARED_LOCK:
        found = _SHARED.get(id(config))
        if found is None or found[0] is not config:
            found = _SHARED[id(config)] = (config, UptimeView(config))
            while len(_SHARED) > _SHARED_SIZE:
                _SHARED.popitem(last=False)
        _SHARED.move_to_end(id(config))
        return found[1]


def _incident(incident: Incident, iso: Callable[[datetime | None], str | None]) -> dict[str, Any]:
    cause = incident.root_cause
    return {
        "start": iso(incident.start),
        "end": iso(incident.end),
        "duration_s": round(incident.duration_s),
        "root_cause": cause.label,
        "location": cause.location.value.replace("_", " "),
        "customer_device_up": incident.customer_device_stayed_up,
    }


def _service(result: ServiceAvailability, iso: Callable[[datetime | None], str | None]) -> dict[str, Any]:
    sli = result.figures.sli
    return {
        "id": result.service.id,
        "name": result.service.name,
        "slo": result.service.slo,
        # Three decimals: an SLO of 99.9 % is judged on hundredths of a percent.
        "sli": round(100 * sli, 3) if sli is not None else None,
        "down_s": round(result.figures.down_s),
        "budget_left_s": round(result.budget_left_s),
        "incidents": [_incident(i, iso) for i in result.incidents],
    }


def uptime(
    session: Session, view: UptimeView, client_key: str, start: datetime, end: datetime, now: datetime,
    iso: Callable[[datetime | None], str | None],
) -> dict[str, Any] | None:  # fmt: skip
    """The client's services with SLI, downtime, error budget and incidents; None when it has no services."""
    report = view.report(session, Interval(start, end), now)
    services = report.visible(None, client_key)
    if not services:
        return None
    return {"services": [_service(r, iso) for r in services]}
