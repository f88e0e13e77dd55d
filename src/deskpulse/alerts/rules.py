"""Alert rules: what to watch (a condition), which tickets or sources (filters), and what to do (actions,
escalation, repeats). One schema for ``[[alerts.rules]]`` in the config file, the API and the UI.

Validation errors are sentences, so a bad rule in the config file or an API body explains itself.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deskpulse.domain.tickets import Priority

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
Severity = Literal["info", "warning", "critical"]
SlaKind = Literal["first_response", "resolution"]
# "critical" is what the old dashboard and Autotask call the top priority.
PRIORITY_WORDS: dict[str, Priority] = {"critical": Priority.URGENT, **{p.value: p for p in Priority}}
PRIORITY_ORDER: dict[Priority, int] = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _priority(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Priority):
        found = PRIORITY_WORDS.get(value.strip().lower())
        if found is None:
            raise ValueError(f"unknown priority {value!r}; use critical (or urgent), high, medium or low")
        return found
    return value


# ----------------------------------------------------------------------------------------------- conditions
class SlaAtRisk(_Model):
    """A running first-response or resolution clock is at risk (the ``[sla]`` at-risk rule), not yet breached."""

    type: Literal["sla_at_risk"]
    kind: SlaKind


class SlaBreached(_Model):
    """A running clock is past its due time by at least ``min_overdue_minutes`` business minutes."""

    type: Literal["sla_breached"]
    kind: SlaKind
    min_overdue_minutes: int = Field(default=0, ge=0)


class UpdateOverdue(_Model):
    """The customer wrote and no agent has replied for ``minutes`` business minutes (the update SLA)."""

    type: Literal["update_overdue"]
    minutes: int = Field(ge=1)


class UnassignedFor(_Model):
    """An open ticket has had no agent for ``minutes`` minutes (wall-clock)."""

    type: Literal["unassigned_for"]
    minutes: int = Field(ge=1)


class NoActivityFor(_Model):
    """Nothing happened on an open ticket (update, reply) for ``minutes`` minutes (wall-clock)."""

    type: Literal["no_activity_for"]
    minutes: int = Field(ge=1)


class QueueBacklogAbove(_Model):
    """More than ``count`` open tickets (after the filters) sit in one team or queue."""

    type: Literal["queue_backlog_above"]
    count: int = Field(ge=0)


class NewTicketsPerHourAbove(_Model):
    """More than ``count`` tickets (after the filters) were created in the last 60 minutes, desk-wide."""

    type: Literal["new_tickets_per_hour_above"]
    count: int = Field(ge=0)


class SourceStaleFor(_Model):
    """A source has not synced successfully for ``minutes`` minutes."""

    type: Literal["source_stale_for"]
    minutes: int = Field(ge=1)


class ServiceDown(_Model):
    """A customer's monitored service (``service``: its id or name; None: every service) is down now, as the
    uptime engine sees it (dependency graph, redundancy, maintenance). One alert per service."""

    type: Literal["service_down"]
    service: str | None = Field(default=None, max_length=200)


class ErrorBudgetBelow(_Model):
    """Less than ``percent`` of a service's error budget for this month is left (100: untouched, 0: spent;
    an overspent budget counts as 0). One alert per service."""

    type: Literal["error_budget_below"]
    percent: float = Field(ge=0, le=100)
    service: str | None = Field(default=None, max_length=200)


Condition = Annotated[
    SlaAtRisk | SlaBreached | UpdateOverdue | UnassignedFor | NoActivityFor | QueueBacklogAbove
    | NewTicketsPerHourAbove | SourceStaleFor | ServiceDown | ErrorBudgetBelow,
    Field(discriminator="type"),
]  # fmt: skip
TICKET_CONDITIONS = (SlaAtRisk, SlaBreached, UpdateOverdue, UnassignedFor, NoActivityFor)
SERVICE_CONDITIONS = (ServiceDown, ErrorBudgetBelow)


# ----------------------------------------------------------------------------------------------- filters, actions
class RuleFilters(_Model):
    """Which tickets (or sources) a rule looks at; an empty list means "any"."""

    priorities: list[Priority] = Field(default_factory=list)
    # Team, group or queue ids as the vendor numbers them (``team_external_id`` on tickets).
    teams: list[str] = Field(default_factory=list)
    clients: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    # True: the rule only runs while the desk is open (the calendar of its one client filter, else the desk's).
    business_hours_only: bool = False

    @field_validator("priorities", mode="before")
    @classmethod
    def _priorities(cls, value: Any) -> Any:
        return [_priority(v) for v in value] if isinstance(value, list) else value

    @field_validator("teams", mode="before")
    @classmethod
    def _team_ids(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class WriteBack(_Model):
    """Changes written to the ticket at the vendor when the alert fires (read back and judged)."""

    raise_priority_to: Priority | None = None
    reassign_queue: str | None = Field(default=None, max_length=64)
    reassign_resource: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=10_000)

    @field_validator("raise_priority_to", mode="before")
    @classmethod
    def _raise(cls, value: Any) -> Any:
        return _priority(value)

    @field_validator("reassign_queue", "reassign_resource", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _something(self) -> WriteBack:
        if not (self.raise_priority_to or self.reassign_queue or self.reassign_resource or self.note):
            raise ValueError("a write-back needs raise_priority_to, reassign_queue, reassign_resource or note")
        return self


class RuleActions(_Model):
    """What happens when the alert fires: notify channels (level 1) and optionally change the ticket."""

    channels: list[str] = Field(default_factory=list)
    writeback: WriteBack | None = None


class EscalationLevel(_Model):
    """Level 2, 3, ...: notify ``channels`` once the alert has been firing ``after_minutes`` unacknowledged."""

    after_minutes: int = Field(ge=1)
    channels: list[str] = Field(min_length=1)


class Escalation(_Model):
    """Levels after the first, in order of ``after_minutes`` (counted from when the alert fired)."""

    levels: list[EscalationLevel] = Field(default_factory=list, max_length=9)

    @model_validator(mode="after")
    def _increasing(self) -> Escalation:
        minutes = [level.after_minutes for level in self.levels]
        if any(b <= a for a, b in pairwise(minutes)):
            raise ValueError(f"escalation levels must come later one after another; after_minutes are {minutes}")
        return self


# ----------------------------------------------------------------------------------------------- the rule
class Rule(_Model):
    """One alert rule. ``repeat_interval_minutes`` None: notify once per level, never again while firing."""

    id: str = Field(pattern=NAME_PATTERN, description="Lower-case letters, digits, - and _; at most 40")
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    condition: Condition
    filters: RuleFilters = Field(default_factory=RuleFilters)
    actions: RuleActions = Field(default_factory=RuleActions)
    escalation: Escalation = Field(default_factory=Escalation)
    repeat_interval_minutes: int | None = Field(default=None, ge=1)
    severity: Severity = "warning"

    @model_validator(mode="after")
    def _fits(self) -> Rule:
        if self.actions.writeback is not None and not isinstance(self.condition, TICKET_CONDITIONS):
            raise ValueError(f"a {self.condition.type} rule has no ticket to write back to; remove actions.writeback")
        if isinstance(self.condition, SERVICE_CONDITIONS):
            # Services belong to a client, not to a queue, a priority or a ticket source.
            extra = [name for name in ("priorities", "teams", "sources") if getattr(self.filters, name)]
            if extra:
                raise ValueError(f"a {self.condition.type} rule looks at customer services, which have no "
                                 f"{' or '.join(extra)}; filter by clients (or condition.service) instead")  # fmt: skip
        return self

    @property
    def channel_names(self) -> list[str]:
        """Every channel this rule may notify (level 1 and the escalation levels), in order, once each."""
        names = [*self.actions.channels, *(c for level in self.escalation.levels for c in level.channels)]
        return list(dict.fromkeys(names))
