"""The agent work board: active tickets in four sections, each with an SLA badge. Pure functions.

Sections (first match wins; resolved and closed tickets are left out):

1. ``waiting_on_agent`` -- the status label is a reply status (``Customer Replied``), or the requester
   wrote after the agent's last reply (or wrote and no agent ever replied);
2. ``update_overdue`` -- it is the agent's move and the last agent activity is older than the priority's limit;
3. ``open`` -- the agent's move otherwise (NEW / OPEN / ASSIGNED or a configured agent's-move status);
4. ``other_active`` -- everything else still active (pending, on hold, waiting on customer / third party).

"Last agent activity" is ``agent_responded_at``, else ``first_responded_at``, else ``created_at``;
``since_update_seconds`` is measured from it, so the sort order and the update SLA use one clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from deskpulse.domain.sla_badge import (
    SlaBadge,
    SlaRules,
    has_first_response,
    sla_badge,
)
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket

WAITING_ON_AGENT = "waiting_on_agent"
UPDATE_OVERDUE = "update_overdue"
OPEN = "open"
OTHER_ACTIVE = "other_active"
SECTION_TITLES: tuple[tuple[str, str], ...] = (
    (WAITING_ON_AGENT, "Waiting on agent"),
    (UPDATE_OVERDUE, "Needs agent / update overdue"),
    (OPEN, "Open"),
    (OTHER_ACTIVE, "Other active"),
)
AGENTS_MOVE: frozenset[StatusCategory] = frozenset({StatusCategory.NEW, StatusCategory.OPEN, StatusCategory.ASSIGNED})
_RANK = {Priority.LOW: 0, Priority.MEDIUM: 1, Priority.HIGH: 2, Priority.URGENT: 3}
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class UpdateLimits:
    """Longest allowed silence since the last agent activity, per priority (no priority = ``medium``)."""

    urgent: timedelta = timedelta(minutes=30)
    high: timedelta = timedelta(days=2)
    medium: timedelta = timedelta(days=3)
    low: timedelta = timedelta(days=4)

    def for_priority(self, priority: Priority | None) -> timedelta:
        """The limit of one priority."""
        return {
            Priority.URGENT: self.urgent,
            Priority.HIGH: self.high,
            Priority.LOW: self.low,
        }.get(priority or Priority.MEDIUM, self.medium)


@dataclass(frozen=True, slots=True)
class BoardRules:
    """Configuration; status names compare case-insensitively with ``Ticket.status_label``."""

    reply_statuses: frozenset[str] = frozenset({"Customer Replied"})
    agent_move_statuses: frozenset[str] = frozenset()
    update_limits: UpdateLimits = field(default_factory=UpdateLimits)
    sla: SlaRules = field(default_factory=SlaRules)


@dataclass(frozen=True, slots=True)
class BoardItem:
    """One ticket on the board; ages are whole seconds, floored and never negative."""

    ticket: Ticket
    section: str
    sla: SlaBadge
    update_overdue: bool
    age_seconds: int
    since_update_seconds: int


@dataclass(frozen=True, slots=True)
class Section:
    """One board section; every section is present, possibly empty."""

    key: str
    title: str
    items: list[BoardItem]


@dataclass(frozen=True, slots=True)
class Board:
    """Sections in display order; ``total_active`` counts the items on the (filtered) board."""

    sections: list[Section]
    total_active: int


def _folded(names: frozenset[str]) -> frozenset[str]:
    return frozenset(n.strip().casefold() for n in names)


def last_agent_activity(ticket: Ticket) -> datetime:
    """The latest agent reply, else the first response, else the ticket's creation."""
    return ticket.agent_responded_at or ticket.first_responded_at or ticket.created_at


def requester_after_agent(ticket: Ticket) -> bool:
    """The requester replied after the agent's last reply, or replied and no agent reply is known."""
    requester = ticket.requester_responded_at
    if requester is None:
        return False
    agent = ticket.agent_responded_at
    return agent is None or requester > agent


def is_agents_move(ticket: Ticket, rules: BoardRules = BoardRules()) -> bool:
    """NEW / OPEN / ASSIGNED, or a status configured as the agent's move."""
    label = ticket.status_label.strip().casefold()
    return ticket.status_category in AGENTS_MOVE or label in _folded(rules.agent_move_statuses)


def customer_replied(ticket: Ticket, rules: BoardRules = BoardRules()) -> bool:
    """A reply status, or the requester spoke last."""
    label = ticket.status_label.strip().casefold()
    return label in _folded(rules.reply_statuses) or requester_after_agent(ticket)


def board_item(ticket: Ticket, now: datetime, rules: BoardRules = BoardRules()) -> BoardItem | None:
    """Place one ticket (None when it is resolved or closed)."""
    if not ticket.status_category.is_active:
        return None
    replied, agents_move = customer_replied(ticket, rules), is_agents_move(ticket, rules)
    silence = now - last_agent_activity(ticket)
    # A customer reply makes it the agent's move whatever the category, so the flag can be set there too.
    overdue = (replied or agents_move) and silence > rules.update_limits.for_priority(ticket.priority)
    if replied:
        section = WAITING_ON_AGENT
    elif overdue:
        section = UPDATE_OVERDUE
    elif agents_move:
        section = OPEN
    else:
        section = OTHER_ACTIVE
    return BoardItem(
        ticket=ticket,
        section=section,
        sla=sla_badge(ticket, now, rules.sla),
        update_overdue=overdue,
        age_seconds=max(0, (now - ticket.created_at) // _SECOND),
        since_update_seconds=max(0, silence // _SECOND),
    )


def _rank(item: BoardItem) -> int:
    return _RANK[item.ticket.priority or Priority.MEDIUM]


def _tiebreak(item: BoardItem) -> tuple[datetime, str]:
    return item.ticket.created_at, item.ticket.external_id


def open_sort_key(item: BoardItem) -> tuple[object, ...]:
    """Needs a first response, least first-response time left (None last), priority, longest silence."""
    needs = not has_first_response(item.ticket)
    left = item.sla.remaining_seconds if needs else None
    return (not needs, left is None, left or 0, -_rank(item), -item.since_update_seconds, *_tiebreak(item))


def section_sort_key(item: BoardItem) -> tuple[object, ...]:
    """Update-overdue first, then priority (urgent first), then longest silence."""
    return (not item.update_overdue, -_rank(item), -item.since_update_seconds, *_tiebreak(item))


def build_board(
    tickets: Sequence[Ticket],
    now: datetime,
    rules: BoardRules = BoardRules(),
    *,
    agent: str | None = None,
    group: str | None = None,
) -> Board:
    """The board at ``now``, optionally only one agent's and/or one group's tickets (external ids)."""
    buckets: dict[str, list[BoardItem]] = {key: [] for key, _ in SECTION_TITLES}
    for ticket in tickets:
        if agent is not None and ticket.agent_external_id != agent:
            continue
        if group is not None and ticket.team_external_id != group:
            continue
        item = board_item(ticket, now, rules)
        if item is not None:
            buckets[item.section].append(item)
    sections = [
        Section(key, title, sorted(buckets[key], key=open_sort_key if key == OPEN else section_sort_key))
        for key, title in SECTION_TITLES
    ]
    return Board(sections=sections, total_active=sum(len(s.items) for s in sections))
