"""Per-ticket conditions: does this open ticket meet the rule's condition now, and how to say so.

Each check returns a headline and a sentence, or None. SLA conditions read the evaluated clocks (business
time); ``update_overdue`` counts business minutes on the ticket's calendar; ``unassigned_for`` and
``no_activity_for`` count wall-clock minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from deskpulse.alerts.rules import NoActivityFor, SlaAtRisk, SlaBreached, UnassignedFor, UpdateOverdue
from deskpulse.domain.sla import BusinessCalendar, ClockState, TargetKind
from deskpulse.metrics.sla_tickets import SlaTicket

if TYPE_CHECKING:
    from deskpulse.alerts.evaluate import TicketFacts

Found = tuple[str, str] | None
TicketCheck = Callable[[SlaTicket, "TicketFacts | None", datetime, BusinessCalendar | None, tzinfo], Found]
AnyTicketCondition = SlaAtRisk | SlaBreached | UpdateOverdue | UnassignedFor | NoActivityFor
_WORDS = {"first_response": ("First response", "first-response"), "resolution": ("Resolution", "resolution")}


def duration(seconds: float) -> str:
    """``seconds`` in words people read at a glance: ``45 minutes``, ``2 h 5 min``, ``3 days 4 h``."""
    minutes = max(0, int(seconds // 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"


def _when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%a %d %b %H:%M")


def describe(ticket: SlaTicket) -> str:
    """The ticket in a few words: subject, priority and client."""
    name = (
        f"“{ticket.subject.strip()}”" if ticket.subject and ticket.subject.strip() else f"Ticket {ticket.external_id}"
    )
    details = [d for d in (str(ticket.priority) if ticket.priority else None, ticket.client) if d]
    return f"{name} ({', '.join(details)})" if details else name


def _sla_at_risk(condition: SlaAtRisk) -> TicketCheck:
    kind = TargetKind(condition.kind)
    headline, words = _WORDS[condition.kind]

    def check(
        ticket: SlaTicket, _f: TicketFacts | None, _n: datetime, _c: BusinessCalendar | None, tz: tzinfo
    ) -> Found:
        clock = ticket.clock(kind)
        if clock is None or clock.completed_at is not None or clock.state is not ClockState.AT_RISK:
            return None
        left = duration(clock.remaining_seconds)
        due = _when(clock.due_at, tz)
        return f"{headline} SLA at risk", f"{describe(ticket)} has {left} of business time left before its {words} " \
            f"target (due {due})."  # fmt: skip

    return check


def _sla_breached(condition: SlaBreached) -> TicketCheck:
    kind = TargetKind(condition.kind)
    headline, words = _WORDS[condition.kind]
    least = condition.min_overdue_minutes * 60

    def check(
        ticket: SlaTicket, _f: TicketFacts | None, _n: datetime, _c: BusinessCalendar | None, tz: tzinfo
    ) -> Found:
        clock = ticket.clock(kind)
        if clock is None or clock.completed_at is not None or clock.state is not ClockState.BREACHED:
            return None
        if -clock.remaining_seconds < least:
            return None
        late = duration(-clock.remaining_seconds)
        due = _when(clock.due_at, tz)
        return f"{headline} overdue", f"{describe(ticket)} is {late} of business time past its {words} target " \
            f"(due {due})."  # fmt: skip

    return check


def _update_overdue(condition: UpdateOverdue) -> TicketCheck:
    limit = timedelta(minutes=condition.minutes)

    def check(
        ticket: SlaTicket, facts: TicketFacts | None, now: datetime, cal: BusinessCalendar | None, tz: tzinfo
    ) -> Found:
        since = facts.awaiting_reply_since if facts is not None else None
        if since is None or since > now:
            return None
        waited = cal.business_time(since, now) if cal is not None else now - since
        if waited < limit:
            return None
        return "Update overdue", f"The customer wrote on {describe(ticket)} at {_when(since, tz)} and has had no " \
            f"reply for {duration(waited.total_seconds())} of business time."  # fmt: skip

    return check


def _unassigned_for(condition: UnassignedFor) -> TicketCheck:
    limit = timedelta(minutes=condition.minutes)

    def check(
        ticket: SlaTicket, facts: TicketFacts | None, now: datetime, _c: BusinessCalendar | None, _t: tzinfo
    ) -> Found:
        if ticket.agent_external_id is not None:
            return None
        since = facts.unassigned_since if facts is not None and facts.unassigned_since else ticket.created_at
        if now - since < limit:
            return None
        return "Unassigned", f"{describe(ticket)} has had no agent for {duration((now - since).total_seconds())}."

    return check


def _no_activity_for(condition: NoActivityFor) -> TicketCheck:
    limit = timedelta(minutes=condition.minutes)

    def check(
        ticket: SlaTicket, facts: TicketFacts | None, now: datetime, _c: BusinessCalendar | None, tz: tzinfo
    ) -> Found:
        last = facts.last_activity_at if facts is not None and facts.last_activity_at else ticket.created_at
        if now - last < limit:
            return None
        quiet = duration((now - last).total_seconds())
        return "No activity", f"Nothing has happened on {describe(ticket)} for {quiet} (last at {_when(last, tz)})."

    return check


def may_match(condition: AnyTicketCondition) -> Callable[[SlaTicket, TicketFacts | None], bool]:
    """A cheap test, independent of thresholds, that rules out most tickets before ``ticket_check`` runs; rules
    of the same type (and kind) share its result."""
    if isinstance(condition, SlaAtRisk | SlaBreached):
        kind = TargetKind(condition.kind)
        state = ClockState.AT_RISK if isinstance(condition, SlaAtRisk) else ClockState.BREACHED

        def running(ticket: SlaTicket, _f: TicketFacts | None) -> bool:
            clock = ticket.clock(kind)
            return clock is not None and clock.completed_at is None and clock.state is state

        return running
    if isinstance(condition, UpdateOverdue):
        return lambda _t, facts: facts is not None and facts.awaiting_reply_since is not None
    if isinstance(condition, UnassignedFor):
        return lambda ticket, _f: ticket.agent_external_id is None
    return lambda _t, _f: True


def ticket_check(condition: AnyTicketCondition) -> TicketCheck:
    """The check for one ticket condition."""
    if isinstance(condition, SlaAtRisk):
        return _sla_at_risk(condition)
    if isinstance(condition, SlaBreached):
        return _sla_breached(condition)
    if isinstance(condition, UpdateOverdue):
        return _update_overdue(condition)
    if isinstance(condition, UnassignedFor):
        return _unassigned_for(condition)
    return _no_activity_for(condition)
