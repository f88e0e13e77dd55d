"""The agent work board: sections, SLA badges, ordering and filters follow the configured rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpulse.connectors.freshservice.mapping import MappingContext, map_ticket
from deskpulse.connectors.freshservice.models import FsStats, FsTicket
from deskpulse.domain.sla_badge import SlaRules, SlaState, format_duration, sla_badge
from deskpulse.domain.ticket_board import (
    OPEN,
    OTHER_ACTIVE,
    UPDATE_OVERDUE,
    WAITING_ON_AGENT,
    BoardRules,
    UpdateLimits,
    board_item,
    build_board,
)
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)
H = timedelta(hours=1)
CAT = StatusCategory
REPLIED = "Customer Replied"
LABELS = {
    CAT.NEW: "New",
    CAT.OPEN: "Open",
    CAT.ASSIGNED: "Assigned",
    CAT.WAITING_ON_CUSTOMER: "Pending",
    CAT.WAITING_ON_THIRD_PARTY: "Waiting on Third Party",
    CAT.ON_HOLD: "On Hold",
    CAT.RESOLVED: "Resolved",
    CAT.CLOSED: "Closed",
}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket(
    tid: str = "1",
    category: StatusCategory = CAT.OPEN,
    *,
    label: str | None = None,
    created: timedelta = timedelta(hours=1),
    agent_replied: timedelta | None = None,
    requester_replied: timedelta | None = None,
    **fields: Any,
) -> Ticket:
    """A ticket created ``created`` ago; reply offsets are how long ago the last reply of each side was."""
    return Ticket(
        external_id=tid,
        status_raw=category.value,
        status_label=label or LABELS[category],
        status_category=category,
        created_at=NOW - created,
        agent_responded_at=NOW - agent_replied if agent_replied is not None else None,
        requester_responded_at=NOW - requester_replied if requester_replied is not None else None,
        **fields,
    )


def section_of(t: Ticket, rules: BoardRules = BoardRules()) -> str:
    item = board_item(t, NOW, rules)
    assert item is not None
    return item.section


# --- SLA badge -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "state", "text", "remaining"),
    [
        (12 * H + S, SlaState.NORMAL, "12 h 00 min left", 43201),
        (12 * H, SlaState.NORMAL, "12 h 00 min left", 43200),
        (12 * H - S, SlaState.WARNING, "11 h 59 min left", 43199),
        (4 * H, SlaState.WARNING, "4 h 00 min left", 14400),
        (4 * H - S, SlaState.CRITICAL, "3 h 59 min left", 14399),
        (3 * H + timedelta(minutes=5), SlaState.CRITICAL, "3 h 05 min left", 11100),
        (timedelta(minutes=45), SlaState.CRITICAL, "45 min left", 2700),
        (timedelta(0), SlaState.CRITICAL, "< 1 min left", 0),
        (-S, SlaState.OVERDUE, "overdue by < 1 min", -1),
        (-(2 * H + timedelta(minutes=10)), SlaState.OVERDUE, "overdue by 2 h 10 min", -7800),
        (timedelta(days=2, hours=3), SlaState.NORMAL, "2 d 03 h left", 183600),
    ],
)
def test_the_badge_state_text_and_remaining_time_follow_the_time_left_to_the_first_response_target(
    left: timedelta, state: SlaState, text: str, remaining: int
) -> None:
    badge = sla_badge(ticket(first_response_due_at=NOW + left), NOW)
    assert (badge.state, badge.text, badge.remaining_seconds, badge.due_at) == (state, text, remaining, NOW + left)


def test_a_fraction_of_a_second_past_the_target_is_overdue_by_minus_one_second() -> None:
    badge = sla_badge(ticket(first_response_due_at=NOW - timedelta(microseconds=1)), NOW)
    assert (badge.state, badge.remaining_seconds) == (SlaState.OVERDUE, -1)


def test_a_ticket_without_a_first_response_target_shows_no_due_date() -> None:
    badge = sla_badge(ticket(resolution_due_at=NOW + H), NOW)
    assert (badge.state, badge.text, badge.due_at, badge.remaining_seconds) == (
        SlaState.NONE,
        "no due date",
        None,
        None,
    )


@pytest.mark.parametrize(
    "t",
    [
        ticket(first_responded_at=NOW - H, first_response_due_at=NOW - 2 * H),
        ticket(agent_replied=H, first_response_due_at=NOW + H),
    ],
    ids=["first_responded_at", "agent_responded_at only"],
)
def test_a_first_response_turns_the_badge_to_responded_even_when_it_was_late(t: Ticket) -> None:
    badge = sla_badge(t, NOW)
    assert (badge.state, badge.text, badge.remaining_seconds) == (SlaState.RESPONDED, "responded", None)


def test_resolution_countdown_after_response_is_opt_in() -> None:
    t = ticket(first_responded_at=NOW - H, resolution_due_at=NOW + 2 * H)
    assert sla_badge(t, NOW).state is SlaState.RESPONDED
    badge = sla_badge(t, NOW, SlaRules(resolution_after_response=True))
    assert (badge.state, badge.due_at) == (SlaState.CRITICAL, NOW + 2 * H)


def test_badge_thresholds_are_configurable() -> None:
    rules = SlaRules(critical_below=timedelta(hours=1), warning_below=timedelta(hours=2))
    states = [sla_badge(ticket(first_response_due_at=NOW + d), NOW, rules).state for d in (H - S, H, 2 * H)]
    assert states == [SlaState.CRITICAL, SlaState.WARNING, SlaState.NORMAL]


@pytest.mark.parametrize(
    ("kind", "state", "due"),
    [("Service Request", SlaState.NORMAL, NOW + 20 * H), ("Incident", SlaState.CRITICAL, NOW + H)],
)
def test_service_requests_count_down_to_due_by_and_incidents_to_fr_due_by(
    kind: str, state: SlaState, due: datetime
) -> None:
    raw = FsTicket(
        id=7, status=2, type=kind, created_at=iso(NOW - H), fr_due_by=iso(NOW + H), due_by=iso(NOW + 20 * H),
        stats=FsStats(),
    )  # fmt: skip
    badge = sla_badge(map_ticket(raw, MappingContext()), NOW)
    assert (badge.state, badge.due_at) == (state, due)


def test_durations_are_written_for_people() -> None:
    assert [format_duration(s) for s in (0, 59, 60, 3599, 3600, 86399, 86400)] == [
        "< 1 min", "< 1 min", "1 min", "59 min", "1 h 00 min", "23 h 59 min", "1 d 00 h",
    ]  # fmt: skip


# --- sections --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "section"),
    [
        (ticket(label="Customer Replied", category=CAT.WAITING_ON_CUSTOMER), WAITING_ON_AGENT),
        (ticket(label="customer replied"), WAITING_ON_AGENT),
        (ticket(agent_replied=2 * H, requester_replied=H), WAITING_ON_AGENT),
        (ticket(category=CAT.ON_HOLD, agent_replied=2 * H, requester_replied=H), WAITING_ON_AGENT),
        (ticket(requester_replied=H), WAITING_ON_AGENT),
        (ticket(agent_replied=H, requester_replied=2 * H), OPEN),
        (ticket(agent_replied=H, requester_replied=H), OPEN),
        (ticket(category=CAT.NEW), OPEN),
        (ticket(category=CAT.ASSIGNED), OPEN),
        (ticket(category=CAT.WAITING_ON_CUSTOMER), OTHER_ACTIVE),
        (ticket(category=CAT.WAITING_ON_THIRD_PARTY), OTHER_ACTIVE),
        (ticket(category=CAT.ON_HOLD), OTHER_ACTIVE),
        (ticket(created=timedelta(days=3) + S), UPDATE_OVERDUE),
        (ticket(category=CAT.ON_HOLD, created=timedelta(days=30)), OTHER_ACTIVE),
        (ticket(label="Customer Replied", created=timedelta(days=30)), WAITING_ON_AGENT),
    ],
    ids=[
        "reply status", "reply status any case", "requester after agent", "requester after agent on hold",
        "requester replied, agent never", "agent after requester", "same instant", "new", "assigned",
        "pending", "third party", "on hold", "medium silent 3 d 1 s", "on hold never overdue",
        "customer reply beats overdue",
    ],
)  # fmt: skip
def test_each_active_ticket_lands_in_the_first_matching_section(t: Ticket, section: str) -> None:
    assert section_of(t) == section


def test_a_custom_reply_status_replaces_the_default() -> None:
    rules = BoardRules(reply_statuses=frozenset({"Awaiting Agent"}))
    assert section_of(ticket(label="AWAITING agent", category=CAT.ON_HOLD), rules) == WAITING_ON_AGENT
    assert section_of(ticket(label="Customer Replied"), rules) == OPEN


def test_a_configured_agents_move_status_counts_as_open_and_can_become_overdue() -> None:
    rules = BoardRules(agent_move_statuses=frozenset({"In Progress"}))
    assert section_of(ticket(label="In Progress", category=CAT.ON_HOLD), rules) == OPEN
    stale = ticket(label="in progress", category=CAT.ON_HOLD, created=timedelta(days=5))
    assert section_of(stale, rules) == UPDATE_OVERDUE
    assert section_of(stale) == OTHER_ACTIVE


@pytest.mark.parametrize(
    ("priority", "limit"),
    [
        (Priority.URGENT, timedelta(minutes=30)),
        (Priority.HIGH, timedelta(days=2)),
        (Priority.MEDIUM, timedelta(days=3)),
        (Priority.LOW, timedelta(days=4)),
        (None, timedelta(days=3)),
    ],
)
@pytest.mark.parametrize("clock", ["agent_replied", "first_responded_at", "created"])
def test_the_update_sla_is_breached_only_past_the_priority_limit(
    priority: Priority | None, limit: timedelta, clock: str
) -> None:
    def at(silence: timedelta) -> Ticket:
        old = timedelta(days=60)
        if clock == "agent_replied":
            return ticket(priority=priority, created=old, first_responded_at=NOW - old, agent_replied=silence)
        if clock == "first_responded_at":
            return ticket(priority=priority, created=old, first_responded_at=NOW - silence)
        return ticket(priority=priority, created=silence)

    on_limit, past = board_item(at(limit), NOW), board_item(at(limit + S), NOW)
    assert on_limit is not None and past is not None
    assert (on_limit.section, on_limit.update_overdue, on_limit.since_update_seconds) == (OPEN, False, limit // S)
    assert (past.section, past.update_overdue) == (UPDATE_OVERDUE, True)


def test_update_limits_are_configurable() -> None:
    rules = BoardRules(update_limits=UpdateLimits(urgent=timedelta(minutes=5)))
    assert section_of(ticket(priority=Priority.URGENT, created=timedelta(minutes=6)), rules) == UPDATE_OVERDUE
    assert section_of(ticket(priority=Priority.URGENT, created=timedelta(minutes=6))) == OPEN


@pytest.mark.parametrize("category", [CAT.RESOLVED, CAT.CLOSED])
def test_resolved_and_closed_tickets_are_not_on_the_board(category: StatusCategory) -> None:
    t = ticket(category=category, label="Customer Replied", requester_replied=H, created=timedelta(days=9))
    assert board_item(t, NOW) is None
    board = build_board([t, ticket("2")], NOW)
    assert board.total_active == 1
    assert [i.ticket.external_id for s in board.sections for i in s.items] == ["2"]


def test_the_board_lists_every_section_in_order_with_titles_even_when_empty() -> None:
    board = build_board([], NOW)
    assert [(s.key, s.title, s.items) for s in board.sections] == [
        (WAITING_ON_AGENT, "Waiting on agent", []),
        (UPDATE_OVERDUE, "Needs agent / update overdue", []),
        (OPEN, "Open", []),
        (OTHER_ACTIVE, "Other active", []),
    ]
    assert board.total_active == 0


def test_items_carry_age_and_time_since_the_last_agent_update() -> None:
    item = board_item(ticket(created=timedelta(days=2), agent_replied=3 * H), NOW)
    assert item is not None
    assert (item.age_seconds, item.since_update_seconds) == (2 * 86400, 3 * 3600)


# --- ordering --------------------------------------------------------------------------------------------


def ids(board_section: Any) -> list[str]:
    return [i.ticket.external_id for i in board_section.items]


def test_open_puts_first_responses_first_then_least_time_left_then_priority_then_longest_silence() -> None:
    tickets = [
        ticket("responded-urgent", priority=Priority.URGENT, first_responded_at=NOW - timedelta(minutes=5)),
        ticket("no-target", priority=Priority.URGENT, created=timedelta(minutes=10)),
        ticket("due-3h", first_response_due_at=NOW + 3 * H),
        ticket("overdue", priority=Priority.LOW, first_response_due_at=NOW - H),
        ticket("due-1h-low", priority=Priority.LOW, first_response_due_at=NOW + H),
        ticket("due-1h-high", priority=Priority.HIGH, first_response_due_at=NOW + H),
        ticket("due-1h-high-older", priority=Priority.HIGH, first_response_due_at=NOW + H, created=2 * H),
        ticket("responded-low", priority=Priority.LOW, first_responded_at=NOW - H),
        ticket("responded-low-longer", priority=Priority.LOW, first_responded_at=NOW - 2 * H),
    ]
    board = build_board(tickets, NOW)
    assert ids(board.sections[2]) == [
        "overdue", "due-1h-high-older", "due-1h-high", "due-1h-low", "due-3h", "no-target",
        "responded-urgent", "responded-low-longer", "responded-low",
    ]  # fmt: skip


def test_other_sections_put_update_overdue_first_then_priority_then_longest_silence() -> None:
    # all "Customer Replied", so all waiting on the agent
    tickets = [
        ticket("low", priority=Priority.LOW, label=REPLIED),
        ticket("urgent", priority=Priority.URGENT, created=timedelta(minutes=10), label=REPLIED),
        ticket("none-older", created=5 * H, label=REPLIED),
        ticket("medium", priority=Priority.MEDIUM, created=2 * H, label=REPLIED),
        ticket("stale-low", priority=Priority.LOW, created=timedelta(days=5), label=REPLIED),
    ]
    board = build_board(tickets, NOW)
    assert ids(board.sections[0]) == ["stale-low", "urgent", "none-older", "medium", "low"]
    overdue = [
        ticket("o-high", priority=Priority.HIGH, created=timedelta(days=3)),
        ticket("o-urgent", priority=Priority.URGENT, created=H),
        ticket("o-urgent-older", priority=Priority.URGENT, created=2 * H),
    ]
    assert ids(build_board(overdue, NOW).sections[1]) == ["o-urgent-older", "o-urgent", "o-high"]
    held = [ticket("h-low", CAT.ON_HOLD, priority=Priority.LOW), ticket("h-high", CAT.ON_HOLD, priority=Priority.HIGH)]
    assert ids(build_board(held, NOW).sections[3]) == ["h-high", "h-low"]


# --- filters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "group", "expected"),
    [
        (None, None, ["a1g1", "a1g2", "a2g1", "nobody"]),
        ("a1", None, ["a1g1", "a1g2"]),
        (None, "g1", ["a1g1", "a2g1"]),
        ("a1", "g1", ["a1g1"]),
        ("a3", None, []),
    ],
)
def test_the_board_can_be_narrowed_to_one_agent_and_or_one_group(
    agent: str | None, group: str | None, expected: list[str]
) -> None:
    tickets = [
        ticket("a1g1", agent_external_id="a1", team_external_id="g1"),
        ticket("a1g2", agent_external_id="a1", team_external_id="g2"),
        ticket("a2g1", agent_external_id="a2", team_external_id="g1"),
        ticket("nobody"),
    ]
    board = build_board(tickets, NOW, agent=agent, group=group)
    assert sorted(i.ticket.external_id for s in board.sections for i in s.items) == expected
    assert board.total_active == len(expected)


# --- properties ------------------------------------------------------------------------------------------

offsets = st.timedeltas(min_value=-timedelta(days=10), max_value=timedelta(days=10))
maybe = st.none() | offsets


@st.composite
def tickets(draw: st.DrawFn) -> Ticket:
    category = draw(st.sampled_from(list(CAT)))
    label = draw(st.sampled_from([LABELS[category], "Customer Replied", "In Progress"]))
    created = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
    first = draw(maybe)
    due = draw(maybe)
    return ticket(
        str(draw(st.integers(0, 10**6))),
        category,
        label=label,
        created=created,
        agent_replied=draw(maybe),
        requester_replied=draw(maybe),
        priority=draw(st.none() | st.sampled_from(list(Priority))),
        first_responded_at=None if first is None else NOW - first,
        first_response_due_at=None if due is None else NOW + due,
        agent_external_id=draw(st.sampled_from([None, "a1", "a2"])),
    )


@given(st.lists(tickets(), max_size=25))
def test_every_active_ticket_lands_in_exactly_one_section_and_no_inactive_one_does(batch: list[Ticket]) -> None:
    board = build_board(batch, NOW, BoardRules(agent_move_statuses=frozenset({"In Progress"})))
    placed = [id(i.ticket) for s in board.sections for i in s.items]
    assert sorted(placed) == sorted(id(t) for t in batch if t.status_category.is_active)
    assert board.total_active == len(placed)
    for section in board.sections:
        assert all(i.section == section.key and i.ticket.status_category.is_active for i in section.items)
        assert all(not i.update_overdue for i in section.items) or section.key != OPEN


@given(tickets(), st.booleans())
def test_the_sign_of_the_remaining_time_agrees_with_the_badge_state(t: Ticket, resolution: bool) -> None:
    badge = sla_badge(t, NOW, SlaRules(resolution_after_response=resolution))
    if badge.remaining_seconds is None:
        assert badge.state in (SlaState.RESPONDED, SlaState.NONE)
    else:
        assert (badge.state is SlaState.OVERDUE) == (badge.remaining_seconds < 0)
        assert badge.text.startswith("overdue by") == (badge.state is SlaState.OVERDUE)
