"""Reading the uptime conditions' inputs: this month's availability of every customer service, as of ``now``,
from the same cached computation the uptime pages and API use (``deskpulse.web.uptime_view``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from deskpulse.alerts.service_conditions import ServiceState
from deskpulse.config import Config
from deskpulse.web.uptime_period import month_of
from deskpulse.web.uptime_view import UptimeView


def service_states(session: Session, view: UptimeView, config: Config, now: datetime) -> list[ServiceState]:
    """Every service of the graph in force with this month's figures and whether it is down now."""
    tz = config.tz
    month = month_of(now.astimezone(tz).date(), tz)
    report = view.report(session, month.interval, now)
    states = []
    for result in report.results:
        service = result.service
        ongoing = next((i for i in result.incidents if i.end is None), None)
        states.append(
            ServiceState(
                id=service.id, name=service.name, client=service.client,
                client_name=report.clients.names.get(service.client, service.client),
                client_id=report.clients.ids.get(service.client), slo=service.slo,
                down_since=ongoing.start if ongoing is not None else None,
                root_cause=ongoing.root_cause.label if ongoing is not None else None,
                allowed_down_s=result.allowed_down_s, down_s=result.figures.down_s, period_label=month.label,
            )
        )  # fmt: skip
    return states
