"""SLA policies: targets per priority, per-client overrides of targets and calendar, and the at-risk rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType

from deskpulse.domain.sla.calendar import BusinessCalendar
from deskpulse.domain.tickets import Priority

_ZERO = timedelta(0)


class TargetKind(StrEnum):
    """What an SLA target measures; each kind has its own clock and its own compliance figures."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    # Optional: the next agent action after the customer wrote back (an "update" target).
    NEXT_RESPONSE = "next_response"


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """Business-time targets of one priority; None means no target of that kind."""

    first_response: timedelta | None
    resolution: timedelta | None
    next_response: timedelta | None = None

    def __post_init__(self) -> None:
        for kind in TargetKind:
            target = self.get(kind)
            if target is not None and target <= _ZERO:
                raise ValueError(f"the {kind} target must be positive, got {target}")

    def get(self, kind: TargetKind) -> timedelta | None:
        """The target of ``kind``, or None when this priority has none."""
        value: timedelta | None = getattr(self, kind.value)
        return value


def _hours(response: float, resolution: float) -> SlaTargets:
    return SlaTargets(timedelta(hours=response), timedelta(hours=resolution))


DEFAULT_TARGETS: Mapping[Priority, SlaTargets] = MappingProxyType(
    {
        Priority.URGENT: _hours(1, 4),
        Priority.HIGH: _hours(4, 8),
        Priority.MEDIUM: _hours(8, 24),
        Priority.LOW: _hours(24, 72),
    }
)


@dataclass(frozen=True, slots=True)
class AtRiskRule:
    """A running target is at risk while strictly less than ``min_left`` OR strictly less than
    ``fraction_left`` of the target is left (exactly 60 minutes or exactly 25 % left is not yet at risk)."""

    min_left: timedelta = timedelta(minutes=60)
    fraction_left: float = 0.25

    def __post_init__(self) -> None:
        if self.min_left < _ZERO:
            raise ValueError("min_left must not be negative")
        if not 0.0 <= self.fraction_left <= 1.0:
            raise ValueError("fraction_left must be between 0 and 1")

    def is_at_risk(self, remaining: timedelta, target: timedelta | None) -> bool:
        """Apply the rule; without a known target only ``min_left`` applies."""
        if remaining < self.min_left:
            return True
        return target is not None and remaining < target * self.fraction_left


@dataclass(frozen=True, slots=True)
class ClientSla:
    """A client's deviations from the default policy; anything left None or absent is inherited."""

    targets: Mapping[Priority, SlaTargets] = field(default_factory=dict)
    calendar: BusinessCalendar | None = None
    at_risk: AtRiskRule | None = None


@dataclass(frozen=True, slots=True)
class ResolvedSla:
    """Everything needed to run the clocks of one ticket."""

    priority: Priority
    targets: SlaTargets
    calendar: BusinessCalendar
    at_risk: AtRiskRule


class SlaPolicySet:
    """Resolves (client key, priority) to targets, calendar and at-risk rule."""

    def __init__(
        self,
        calendar: BusinessCalendar,
        targets: Mapping[Priority, SlaTargets] = DEFAULT_TARGETS,
        *,
        clients: Mapping[str, ClientSla] | None = None,
        at_risk: AtRiskRule | None = None,
        default_priority: Priority = Priority.MEDIUM,
    ) -> None:
        """``targets`` must cover every priority; ``default_priority`` stands in for tickets without one."""
        missing = [p.value for p in Priority if p not in targets]
        if missing:
            raise ValueError(f"the default SLA policy has no targets for priorities {missing}")
        self.calendar = calendar
        self.targets = MappingProxyType(dict(targets))
        self.clients = MappingProxyType(dict(clients or {}))
        self.at_risk = AtRiskRule() if at_risk is None else at_risk
        self.default_priority = default_priority

    def resolve(self, client: str | None, priority: Priority | None) -> ResolvedSla:
        """The SLA of a ticket of ``client`` (None or unknown: defaults) at ``priority`` (None: the default)."""
        effective = priority or self.default_priority
        override = self.clients.get(client) if client is not None else None
        if override is None:
            return ResolvedSla(effective, self.targets[effective], self.calendar, self.at_risk)
        return ResolvedSla(
            effective,
            override.targets.get(effective, self.targets[effective]),
            self.calendar if override.calendar is None else override.calendar,
            self.at_risk if override.at_risk is None else override.at_risk,
        )
