"""The ``[sla]`` section: business calendar, targets per priority, pausing statuses, at-risk rule, per client."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from deskpulse.domain.sla import (
    DEFAULT_TARGETS,
    AtRiskRule,
    BusinessCalendar,
    ClientSla,
    SlaPolicySet,
    SlaTargets,
    WeeklyHours,
)
from deskpulse.domain.tickets import Priority, StatusCategory

DEFAULT_HOURS: dict[str, list[str]] = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


class TargetHours(BaseModel):
    """Business-hour targets of one priority; leave one out (or 0) for no target of that kind."""

    model_config = ConfigDict(extra="forbid")

    first_response_hours: float | None = Field(default=None, ge=0)
    resolution_hours: float | None = Field(default=None, ge=0)

    def targets(self, fallback: SlaTargets) -> SlaTargets:
        """These targets, with unset kinds taken from ``fallback`` and 0 meaning "none"."""

        def pick(value: float | None, default: timedelta | None) -> timedelta | None:
            if value is None:
                return default
            return timedelta(hours=value) if value > 0 else None

        return SlaTargets(
            pick(self.first_response_hours, fallback.first_response), pick(self.resolution_hours, fallback.resolution)
        )


class CalendarSettings(BaseModel):
    """Opening hours (local wall-clock ranges per weekday), holidays and closed days."""

    model_config = ConfigDict(extra="forbid")

    timezone: str | None = None
    hours: dict[str, list[str]] | None = None
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: list[date] = Field(default_factory=list)

    def build(
        self,
        default_zone: str,
        base: CalendarSettings | None = None,
        built: dict[tuple[object, ...], BusinessCalendar] | None = None,
    ) -> BusinessCalendar:
        """The calendar; unset fields come from ``base`` (a client's calendar inherits the desk's). Clients with
        the same effective settings share one calendar object (``built``), so they share one timeline."""
        base = base or CalendarSettings()
        hours = self.hours if self.hours is not None else (base.hours or DEFAULT_HOURS)
        zone = self.timezone or base.timezone or default_zone
        country = self.holiday_country or base.holiday_country
        region = self.holiday_subdivision or base.holiday_subdivision
        closed = sorted({*base.closed_dates, *self.closed_dates})
        key = (zone, tuple(sorted((d, tuple(r)) for d, r in hours.items())), country, region, tuple(closed))
        if built is not None and key in built:
            return built[key]
        calendar = BusinessCalendar(
            zone, WeeklyHours.parse(hours), holiday_country=country, holiday_subdivision=region, closed_dates=closed
        )
        if built is not None:
            built[key] = calendar
        return calendar


class ClientSlaSettings(CalendarSettings):
    """One client's deviations: its own targets and/or calendar (anything unset is the desk's)."""

    client: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    targets: dict[Priority, TargetHours] = Field(default_factory=dict)
    own_calendar: bool = False


class SlaConfig(CalendarSettings):
    """SLA policy of the desk. Vendor due dates (Freshservice fr_due_by/due_by, Autotask due fields) win."""

    targets: dict[Priority, TargetHours] = Field(default_factory=dict)
    # Status categories during which the clock stands still.
    pausing: list[StatusCategory] = Field(default_factory=lambda: [StatusCategory.WAITING_ON_CUSTOMER])
    at_risk_minutes: float = Field(default=60, ge=0)
    at_risk_fraction: float = Field(default=0.25, ge=0, le=1)
    clients: list[ClientSlaSettings] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> SlaConfig:
        keys = [c.client for c in self.clients]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"sla.clients lists a client more than once: {', '.join(repeated)}")
        return self

    def policy(self, default_zone: str) -> SlaPolicySet:
        """The pure-domain policy set. Raises ValueError with a sentence for an unusable calendar."""
        built: dict[tuple[object, ...], BusinessCalendar] = {}
        desk = self.build(default_zone, built=built)
        targets = {p: self.targets.get(p, TargetHours()).targets(DEFAULT_TARGETS[p]) for p in Priority}
        clients = {}
        for c in self.clients:
            own = c.own_calendar or any(
                v for v in (c.timezone, c.hours, c.holiday_country, c.holiday_subdivision, c.closed_dates)
            )
            clients[c.client] = ClientSla(
                targets={p: t.targets(targets[p]) for p, t in c.targets.items()},
                calendar=c.build(default_zone, self, built) if own else None,
            )
        rule = AtRiskRule(timedelta(minutes=self.at_risk_minutes), self.at_risk_fraction)
        return SlaPolicySet(desk, targets, clients=clients, at_risk=rule)
