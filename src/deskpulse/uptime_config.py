"""The ``[uptime]`` section: how service uptime is counted (the policy printed on every report)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from deskpulse.domain.sla import BusinessCalendar, SlaPolicySet
from deskpulse.uptime import UptimePolicy


class UptimeConfig(BaseModel):
    """Counting rules of the uptime reports; the defaults merge flaps within one LibreNMS poll interval."""

    model_config = ConfigDict(extra="forbid")

    # LibreNMS's own polling interval (its default is 5 minutes): outages closer together than this are one outage.
    poll_interval_seconds: float = Field(default=300, ge=0, le=3600)
    merge_flaps: bool = True
    # Outages shorter than this count as up (0: every outage counts). A contract decision, so off by default.
    min_outage_seconds: float = Field(default=0, ge=0, le=86_400)

    @property
    def policy(self) -> UptimePolicy:
        """The engine's policy object for these settings."""
        return UptimePolicy(self.poll_interval_seconds, self.merge_flaps, self.min_outage_seconds)


BUSINESS_SCHEDULE = "business"


def calendars(policy: SlaPolicySet) -> dict[str, BusinessCalendar]:
    """Schedules a service may name: ``business`` (the desk's calendar from ``[sla]``) and the id of every client
    with a calendar of its own in ``[[sla.clients]]``."""
    found = {BUSINESS_SCHEDULE: policy.calendar}
    for key, client in policy.clients.items():
        if client.calendar is not None:
            found[key] = client.calendar
    return found
