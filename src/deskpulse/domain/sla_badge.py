"""First-response SLA badge of one ticket at a given instant. Pure functions: the clock is an argument.

The badge follows the *first-response* target (``Ticket.first_response_due_at``; for Freshservice that is
``fr_due_by``, or ``due_by`` for Service Requests). Once the ticket has a first response the badge reads
``responded`` -- unless ``SlaRules.resolution_after_response`` is set and the ticket has a resolution target,
in which case it counts down to ``resolution_due_at`` with the same states and thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from deskpulse.domain.tickets import Ticket

_SECOND = timedelta(seconds=1)


class SlaState(StrEnum):
    """What the badge shows; ``OVERDUE`` exactly when ``remaining_seconds`` is negative."""

    OVERDUE = "overdue"
    CRITICAL = "critical"
    WARNING = "warning"
    NORMAL = "normal"
    RESPONDED = "responded"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SlaRules:
    """Badge thresholds: ``critical`` while strictly under ``critical_below`` is left, ``warning`` under
    ``warning_below``; 0 s left is still ``critical``, 1 s past the target is ``overdue``."""

    critical_below: timedelta = timedelta(hours=4)
    warning_below: timedelta = timedelta(hours=12)
    resolution_after_response: bool = False


@dataclass(frozen=True, slots=True)
class SlaBadge:
    """``remaining_seconds`` is whole seconds (floored) to ``due_at``; None for ``responded`` and ``none``."""

    state: SlaState
    text: str
    due_at: datetime | None
    remaining_seconds: int | None


def has_first_response(ticket: Ticket) -> bool:
    """A first response is recorded, or an agent reply is known (``agent_responded_at``)."""
    return ticket.first_responded_at is not None or ticket.agent_responded_at is not None


def format_duration(seconds: int) -> str:
    """``< 1 min``, ``45 min``, ``3 h 05 min``, ``2 d 03 h`` for the absolute value, floored."""
    minutes = abs(seconds) // 60
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours:02d} h"


def countdown(due_at: datetime, now: datetime, rules: SlaRules = SlaRules()) -> SlaBadge:
    """Badge for a target ``due_at`` that still has to be met."""
    left = due_at - now
    remaining = left // _SECOND
    if left < timedelta(0):
        return SlaBadge(SlaState.OVERDUE, f"overdue by {format_duration(remaining)}", due_at, remaining)
    if left < rules.critical_below:
        state = SlaState.CRITICAL
    elif left < rules.warning_below:
        state = SlaState.WARNING
    else:
        state = SlaState.NORMAL
    return SlaBadge(state, f"{format_duration(remaining)} left", due_at, remaining)


def sla_badge(ticket: Ticket, now: datetime, rules: SlaRules = SlaRules()) -> SlaBadge:
    """The ticket's badge at ``now`` (see the module docstring for which target counts)."""
    if has_first_response(ticket):
        if rules.resolution_after_response and ticket.resolution_due_at is not None:
            return countdown(ticket.resolution_due_at, now, rules)
        return SlaBadge(SlaState.RESPONDED, "responded", ticket.first_response_due_at, None)
    if ticket.first_response_due_at is None:
        return SlaBadge(SlaState.NONE, "no due date", None, None)
    return countdown(ticket.first_response_due_at, now, rules)
