"""Pure rule evaluation: rules + evaluated tickets + source health at ``now`` -> the subjects that fire.

Nothing here reads the store or the clock. A subject is a ticket, a queue, a source, a customer service or the whole
desk; its
dedupe key (``rule:<id>|ticket:<source>:<ticket id>``) names one alert, so the lifecycle can tell a new
alert from one still firing. A rule restricted to business hours is *held* while the desk is closed: it
reports nothing, and its open alerts are left exactly as they are (neither escalated nor resolved).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from deskpulse.alerts.conditions import AnyTicketCondition, TicketCheck, may_match, ticket_check
from deskpulse.alerts.rules import (
    SERVICE_CONDITIONS,
    TICKET_CONDITIONS,
    ErrorBudgetBelow,
    NewTicketsPerHourAbove,
    QueueBacklogAbove,
    Rule,
    RuleFilters,
    ServiceDown,
    SourceStaleFor,
)
from deskpulse.alerts.service_conditions import ServiceState, budget_below, service_down, service_matches
from deskpulse.domain.sla import BusinessCalendar, SlaPolicySet
from deskpulse.domain.tickets import Priority
from deskpulse.metrics.sla_tickets import SlaTicket

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What rules need to know about a ticket beyond :class:`SlaTicket` (keyed by its row id)."""

    client_id: int | None
    # The latest sign of life: vendor update, activity, an agent's or the requester's reply.
    last_activity_at: datetime | None
    # The requester wrote after the agent's last reply (or before any): an update is owed since then.
    awaiting_reply_since: datetime | None
    # Since when an open ticket has had no agent (its creation, or when its agent was removed); None: assigned.
    unassigned_since: datetime | None


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's sync health as the store records it."""

    id: int
    name: str
    kind: str
    last_ok_at: datetime | None
    stale_since: datetime | None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class AlertInputs:
    """Everything one evaluation looks at. Without ``policy`` every desk is always open and update targets
    are counted in wall-clock minutes."""

    now: datetime
    tickets: Sequence[SlaTicket]
    facts: Mapping[int, TicketFacts]
    sources: Sequence[SourceHealth]
    policy: SlaPolicySet | None = None
    team_names: Mapping[tuple[int, str], str] = field(default_factory=dict)
    tz: tzinfo = UTC
    # Customer services with this month's uptime figures (read only when a rule has an uptime condition);
    # None when they could not be computed: uptime rules are then held, their alerts left as they are.
    services: Sequence[ServiceState] | None = ()


@dataclass(frozen=True, slots=True)
class Firing:
    """One firing subject of one rule, with the words for people and what scoping and actions need."""

    rule_id: str
    key: str
    subject: str
    title: str
    message: str
    severity: str
    url: str | None
    client_id: int | None = None
    client: str | None = None
    source: str | None = None
    ticket_row_id: int | None = None
    ticket_external_id: str | None = None
    priority: Priority | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result: firing subjects of the evaluated rules; held rules keep their alerts as they are."""

    now: datetime
    rule_ids: frozenset[str]
    firing: tuple[Firing, ...]
    held_rules: frozenset[str] = frozenset()

    def by_key(self) -> dict[str, Firing]:
        """Firing subjects by dedupe key."""
        return {f.key: f for f in self.firing}


def dedupe_key(rule_id: str, subject: str) -> str:
    """The key of one alert: rule and subject (``rule:p1-response|ticket:fs:123``)."""
    return f"rule:{rule_id}|{subject}"


class _Context:
    """Lookups shared by every rule of one evaluation."""

    def __init__(self, inputs: AlertInputs) -> None:
        self.inputs = inputs
        self.now = inputs.now
        self.source_names = {s.id: s.name for s in inputs.sources}
        self.active = [
            t
            for t in inputs.tickets
            if t.is_active and t.status_category.is_active and t.source_id in self.source_names
        ]
        self._calendars: dict[str | None, BusinessCalendar | None] = {}
        self._candidates: dict[tuple[str, str | None], list[SlaTicket]] = {}
        self._by_client: dict[tuple[str, str | None], dict[str | None, list[SlaTicket]]] = {}
        self._by_team: dict[tuple[str, str | None], dict[str | None, list[SlaTicket]]] = {}

    def calendar(self, client: str | None) -> BusinessCalendar | None:
        """The business calendar of ``client`` (None: the desk's), or None without a policy."""
        if client not in self._calendars:
            policy = self.inputs.policy
            self._calendars[client] = None if policy is None else policy.resolve(client, None).calendar
        return self._calendars[client]

    def candidates(self, condition: AnyTicketCondition) -> list[SlaTicket]:
        """Open tickets that may meet ``condition`` whatever its thresholds (shared by rules of its type)."""
        key = (condition.type, getattr(condition, "kind", None))
        found = self._candidates.get(key)
        if found is None:
            keep, facts = may_match(condition), self.inputs.facts
            found = self._candidates[key] = [t for t in self.active if keep(t, facts.get(t.row_id))]
        return found

    def candidates_for(self, rule: Rule, condition: AnyTicketCondition) -> list[SlaTicket]:
        """The candidates of ``condition`` narrowed to ``rule``'s clients or queues by an index built once per
        condition type: most rules watch one client or one queue, so each need not scan every open ticket."""
        key = (condition.type, getattr(condition, "kind", None))
        filters = rule.filters
        if filters.clients:
            index = self._by_client.get(key)
            if index is None:
                index = self._by_client[key] = _grouped(self.candidates(condition), lambda t: t.client)
            values: list[str] = filters.clients
        elif filters.teams:
            index = self._by_team.get(key)
            if index is None:
                index = self._by_team[key] = _grouped(self.candidates(condition), lambda t: t.team_external_id)
            values = filters.teams
        else:
            return self.candidates(condition)
        return [t for value in dict.fromkeys(values) for t in index.get(value, ())]

    def open_for(self, rule: Rule) -> bool:
        """Whether a business-hours rule may run now (its single client's calendar, else the desk's)."""
        if not rule.filters.business_hours_only:
            return True
        clients = rule.filters.clients
        calendar = self.calendar(clients[0] if len(clients) == 1 else None)
        return calendar is None or calendar.is_open(self.now)

    def client_id(self, ticket: SlaTicket) -> int | None:
        facts = self.inputs.facts.get(ticket.row_id)
        return facts.client_id if facts is not None else None

    def team_name(self, source_id: int, team: str | None) -> str:
        if team is None:
            return "no queue"
        return self.inputs.team_names.get((source_id, team), f"queue {team}")


def _grouped(tickets: Iterable[SlaTicket], by: Callable[[SlaTicket], str | None]) -> dict[str | None, list[SlaTicket]]:
    out: dict[str | None, list[SlaTicket]] = {}
    for ticket in tickets:
        out.setdefault(by(ticket), []).append(ticket)
    return out


def _matches(filters: RuleFilters, ticket: SlaTicket, source: str) -> bool:
    return (
        (not filters.priorities or ticket.priority in filters.priorities)
        and (not filters.teams or ticket.team_external_id in filters.teams)
        and (not filters.clients or ticket.client in filters.clients)
        and (not filters.sources or source in filters.sources)
    )


def _ticket_firings(rule: Rule, condition: AnyTicketCondition, ctx: _Context) -> Iterable[Firing]:
    check: TicketCheck = ticket_check(condition)
    for ticket in ctx.candidates_for(rule, condition):
        source = ctx.source_names[ticket.source_id]
        if not _matches(rule.filters, ticket, source):
            continue
        found = check(ticket, ctx.inputs.facts.get(ticket.row_id), ctx.now, ctx.calendar(ticket.client), ctx.inputs.tz)
        if found is None:
            continue
        headline, message = found
        subject = f"ticket:{source}:{ticket.external_id}"
        yield Firing(
            rule.id, dedupe_key(rule.id, subject), subject, f"{headline}: {source} #{ticket.external_id}", message,
            rule.severity,
            f"/tickets/{source}:{ticket.external_id}", ctx.client_id(ticket), ticket.client, source, ticket.row_id,
            ticket.external_id, ticket.priority,
        )  # fmt: skip


def _backlog(rule: Rule, limit: int, ctx: _Context) -> Iterable[Firing]:
    counts = Counter(
        (t.source_id, t.team_external_id)
        for t in ctx.active
        if _matches(rule.filters, t, ctx.source_names[t.source_id])
    )
    for (source_id, team), count in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if count <= limit:
            continue
        source, name = ctx.source_names[source_id], ctx.team_name(source_id, team)
        subject = f"queue:{source}:{team or '-'}"
        yield Firing(
            rule.id, dedupe_key(rule.id, subject), subject, f"Backlog above {limit} in {name} ({source})",
            f"{count} open tickets wait in {name} of {source}; the limit is {limit}.", rule.severity, "/board",
            source=source,
        )  # fmt: skip


def _new_per_hour(rule: Rule, limit: int, ctx: _Context) -> Iterable[Firing]:
    since = ctx.now - HOUR
    count = sum(
        1
        for t in ctx.inputs.tickets
        if t.source_id in ctx.source_names
        and since < t.created_at <= ctx.now
        and _matches(rule.filters, t, ctx.source_names[t.source_id])
    )
    if count > limit:
        yield Firing(
            rule.id, dedupe_key(rule.id, "desk"), "desk", f"More than {limit} new tickets in an hour",
            f"{count} tickets were created in the last 60 minutes; the limit is {limit}.", rule.severity, "/board",
        )  # fmt: skip


def _stale(rule: Rule, minutes: int, ctx: _Context) -> Iterable[Firing]:
    for source in ctx.inputs.sources:
        if rule.filters.sources and source.name not in rule.filters.sources:
            continue
        # Stale since its first failed cycle, or (a worker that stopped) since its last good one.
        since = source.stale_since or source.last_ok_at
        if since is None or ctx.now - since < timedelta(minutes=minutes):
            continue
        age = int((ctx.now - since).total_seconds() // 60)
        reason = f" The last error: {source.last_error}" if source.last_error else ""
        subject = f"source:{source.name}"
        yield Firing(
            rule.id, dedupe_key(rule.id, subject), subject, f"Source {source.name} is not syncing",
            f"{source.name} ({source.kind}) has not synced successfully for {age} minutes.{reason}",
            rule.severity, "/", source=source.name,
        )  # fmt: skip


def _service_firings(rule: Rule, condition: ServiceDown | ErrorBudgetBelow, ctx: _Context) -> Iterable[Firing]:
    for state in ctx.inputs.services or ():
        if not service_matches(condition, rule.filters, state):
            continue
        if isinstance(condition, ServiceDown):
            found = service_down(state, ctx.now, ctx.inputs.tz)
        else:
            found = budget_below(condition, state)
        if found is None:
            continue
        subject = f"service:{state.id}"
        yield Firing(
            rule.id, dedupe_key(rule.id, subject), subject, found[0], found[1], rule.severity,
            f"/uptime/services/{state.id}", state.client_id, state.client,
        )  # fmt: skip


def _rule_firings(rule: Rule, ctx: _Context) -> Iterable[Firing]:
    condition = rule.condition
    if isinstance(condition, TICKET_CONDITIONS):
        return _ticket_firings(rule, condition, ctx)
    if isinstance(condition, QueueBacklogAbove):
        return _backlog(rule, condition.count, ctx)
    if isinstance(condition, NewTicketsPerHourAbove):
        return _new_per_hour(rule, condition.count, ctx)
    if isinstance(condition, SourceStaleFor):
        return _stale(rule, condition.minutes, ctx)
    if isinstance(condition, ServiceDown | ErrorBudgetBelow):
        return _service_firings(rule, condition, ctx)
    return ()


def evaluate(rules: Iterable[Rule], inputs: AlertInputs) -> Evaluation:
    """Evaluate every enabled rule at ``inputs.now``; deterministic for the same inputs."""
    ctx = _Context(inputs)
    evaluated: set[str] = set()
    held: set[str] = set()
    firing: list[Firing] = []
    for rule in rules:
        if not rule.enabled:
            continue
        evaluated.add(rule.id)
        if not ctx.open_for(rule) or (inputs.services is None and isinstance(rule.condition, SERVICE_CONDITIONS)):
            held.add(rule.id)
            continue
        firing.extend(_rule_firings(rule, ctx))
    return Evaluation(inputs.now, frozenset(evaluated), tuple(firing), frozenset(held))
