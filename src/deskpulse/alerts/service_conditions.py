"""Uptime conditions: a customer's monitored service that is down now, or whose error budget left this month
is below a percentage. Pure: the figures come from the uptime engine (``ServiceState``, read by
``deskpulse.alerts.uptime_inputs``), nothing here reads the store or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from deskpulse.alerts.conditions import duration
from deskpulse.alerts.rules import ErrorBudgetBelow, RuleFilters, ServiceDown


@dataclass(frozen=True, slots=True)
class ServiceState:
    """One customer service as the uptime report of the current month has it at ``now``."""

    id: str
    name: str
    client: str  # the client id of ``[[clients]]`` (what rule filters name)
    client_name: str
    client_id: int | None  # the store id (what a caller's client scope holds)
    slo: float
    # The start of the outage going on now (None: up, or not known to be down).
    down_since: datetime | None
    root_cause: str | None
    allowed_down_s: float  # this month's error budget
    down_s: float  # counted downtime so far this month
    period_label: str  # "2026-11"

    @property
    def budget_left_percent(self) -> float:
        """Share of this month's error budget still left, in percent; negative once it is overspent. An SLO of
        100 % has no budget: 100 while nothing went down, 0 once anything did."""
        if self.allowed_down_s <= 0:
            return 100.0 if self.down_s <= 0 else 0.0
        return (self.allowed_down_s - self.down_s) / self.allowed_down_s * 100


ServiceFound = tuple[str, str]  # title, message


def _named(state: ServiceState, wanted: str | None) -> bool:
    if wanted is None:
        return True
    wanted = wanted.strip().lower()
    return wanted in (state.id.lower(), state.name.lower())


def service_matches(condition: ServiceDown | ErrorBudgetBelow, filters: RuleFilters, state: ServiceState) -> bool:
    """Whether the rule looks at ``state``: its ``service`` (an id or a name) and its client filter."""
    return _named(state, condition.service) and (not filters.clients or state.client in filters.clients)


def _label(state: ServiceState) -> str:
    return f"{state.name} ({state.client_name})"


def service_down(state: ServiceState, now: datetime, tz: tzinfo) -> ServiceFound | None:
    """The words of a ServiceDown alert, or None when the service is up."""
    if state.down_since is None:
        return None
    since = state.down_since.astimezone(tz).strftime("%a %d %b %H:%M")
    cause = f" The root cause: {state.root_cause}." if state.root_cause else ""
    how_long = duration((now - state.down_since).total_seconds())
    return f"Service down: {_label(state)}", f"{_label(state)} has been down since {since} ({how_long}).{cause}"


def budget_below(condition: ErrorBudgetBelow, state: ServiceState) -> ServiceFound | None:
    """The words of an ErrorBudgetBelow alert, or None while enough budget is left."""
    left = state.budget_left_percent
    if left >= condition.percent:
        return None
    spent = duration(state.down_s)
    allowed = duration(state.allowed_down_s)
    return (
        f"Error budget below {condition.percent:g} %: {_label(state)}",
        f"{_label(state)} has {max(left, 0):.1f} % of its error budget for {state.period_label} left: down "
        f"{spent} of the {allowed} its SLO of {state.slo:g} % allows.",
    )
