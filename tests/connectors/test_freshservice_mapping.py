"""Freshservice payload mapping: statuses (standard, custom, unknown), priorities, SLA targets, timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deskpulse.connectors.freshservice.mapping import MappingContext, map_ticket, parse_timestamp
from deskpulse.connectors.freshservice.models import FsPerson, FsTicket
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.freshservice.statuses import build_status_table, parse_choices, status_choices
from deskpulse.domain.tickets import Priority, StatusCategory


def raw(**overrides: Any) -> FsTicket:
    values: dict[str, Any] = {
        "id": 195836,
        "subject": "Printer on fire",
        "status": 2,
        "priority": 2,
        "type": "Incident",
        "source": 1,
        "group_id": 7,
        "responder_id": 2000012345,
        "requester_id": 21000418007,
        "created_at": "2025-10-20T01:17:53Z",
        "updated_at": "2025-10-20T03:00:00Z",
        "fr_due_by": "2025-10-20T05:17:53Z",
        "due_by": "2025-10-22T01:17:53Z",
        "stats": {
            "agent_responded_at": "2025-10-20T02:00:00Z",
            "requester_responded_at": "2025-10-20T02:30:00Z",
            "first_responded_at": "2025-10-20T02:00:00Z",
        },
    }
    values.update(overrides)
    return FsTicket.model_validate(values)


CUSTOM = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed", 6: "Customer replied", 7: "Waiting on Customer",
          8: "Waiting on Third Party", 9: "On Hold", 10: "Awaiting vendor", 11: "Blue moon"}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "category"),
    [
        (2, StatusCategory.OPEN),
        (3, StatusCategory.WAITING_ON_CUSTOMER),
        (4, StatusCategory.RESOLVED),
        (5, StatusCategory.CLOSED),
        (6, StatusCategory.OPEN),
        (7, StatusCategory.WAITING_ON_CUSTOMER),
        (8, StatusCategory.WAITING_ON_THIRD_PARTY),
        (9, StatusCategory.ON_HOLD),
        (10, StatusCategory.WAITING_ON_THIRD_PARTY),
        (11, StatusCategory.OPEN),
    ],
)
def test_standard_and_custom_statuses_map_to_their_category(code: int, category: StatusCategory) -> None:
    ctx = MappingContext(statuses=build_status_table(CUSTOM))
    ticket = map_ticket(raw(status=code), ctx)
    assert ticket.status_category is category
    assert ticket.status_label == CUSTOM[code]
    assert ticket.status_raw == str(code)


def test_a_custom_status_with_an_unrecognisable_name_is_open_with_a_warning() -> None:
    table = build_status_table(CUSTOM)
    assert any("Blue moon" in w for w in table.warnings)


def test_config_overrides_win_over_names_and_the_standard_table() -> None:
    table = build_status_table(CUSTOM, {3: StatusCategory.ON_HOLD, 11: StatusCategory.WAITING_ON_THIRD_PARTY})
    assert table.resolve(3)[1] is StatusCategory.ON_HOLD
    assert table.resolve(11)[1] is StatusCategory.WAITING_ON_THIRD_PARTY
    assert not table.warnings


def test_an_unknown_status_code_is_open_and_leaves_a_warning_without_raising() -> None:
    ctx = MappingContext()
    ticket = map_ticket(raw(status=42), ctx)
    assert ticket.status_category is StatusCategory.OPEN
    assert ticket.status_label == "Status 42"
    assert len(ctx.warnings) == 1
    assert "42" in ctx.warnings[0]


def test_active_codes_include_custom_active_statuses_but_not_resolved_or_closed() -> None:
    assert build_status_table(CUSTOM).active_codes() == [2, 3, 6, 7, 8, 9, 10, 11]


@pytest.mark.parametrize(
    "choices",
    [
        [{"id": 2, "value": "Open"}, {"id": 6, "value": "On hold"}],
        {"Open": 2, "On hold": 6},
        {"2": "Open", "6": ["On hold", "Waiting"]},
    ],
)
def test_status_choices_are_read_in_every_known_shape(choices: Any) -> None:
    assert parse_choices(choices) == {2: "Open", 6: "On hold"}
    assert status_choices([{"name": "subject"}, {"name": "status", "choices": choices}]) == {2: "Open", 6: "On hold"}


@pytest.mark.parametrize(
    ("code", "priority", "label"),
    [
        (1, Priority.LOW, "Low"),
        (2, Priority.MEDIUM, "Medium"),
        (3, Priority.HIGH, "High"),
        (4, Priority.URGENT, "Urgent"),
    ],
)
def test_priorities_map_one_to_four(code: int, priority: Priority, label: str) -> None:
    ticket = map_ticket(raw(priority=code), MappingContext())
    assert ticket.priority is priority
    assert ticket.priority_raw == label


def test_an_unknown_priority_keeps_the_raw_code_and_no_category() -> None:
    ticket = map_ticket(raw(priority=9), MappingContext())
    assert ticket.priority is None
    assert ticket.priority_raw == "9"


@pytest.mark.parametrize(
    ("ticket_type", "due_field"), [("Incident", "fr_due_by"), ("Service Request", "due_by"), (None, "fr_due_by")]
)
def test_the_first_response_target_is_fr_due_by_except_for_service_requests(
    ticket_type: str | None, due_field: str
) -> None:
    source = raw(type=ticket_type)
    ticket = map_ticket(source, MappingContext())
    assert ticket.first_response_due_at == parse_timestamp(getattr(source, due_field))
    assert ticket.resolution_due_at == datetime(2025, 10, 22, 1, 17, 53, tzinfo=UTC)


def test_timestamps_with_z_become_aware_utc() -> None:
    assert parse_timestamp("2025-10-20T01:17:53Z") == datetime(2025, 10, 20, 1, 17, 53, tzinfo=UTC)
    assert parse_timestamp("2025-10-20T03:17:53+02:00") == datetime(2025, 10, 20, 1, 17, 53, tzinfo=UTC)
    assert parse_timestamp(None) is None
    assert parse_timestamp(" ") is None


def test_stats_give_response_times_and_the_agent_and_requester_activity() -> None:
    ticket = map_ticket(raw(), MappingContext(web_base="https://acme.freshservice.com"))
    assert ticket.first_responded_at == datetime(2025, 10, 20, 2, 0, tzinfo=UTC)
    assert ticket.last_activity_at == datetime(2025, 10, 20, 2, 30, tzinfo=UTC)
    assert ticket.agent_responded_at == datetime(2025, 10, 20, 2, 0, tzinfo=UTC)
    assert ticket.requester_responded_at == datetime(2025, 10, 20, 2, 30, tzinfo=UTC)
    assert ticket.url == "https://acme.freshservice.com/a/tickets/195836"
    assert (ticket.team_external_id, ticket.agent_external_id) == ("7", "2000012345")
    assert ticket.channel == "email"


def test_a_ticket_without_replies_was_last_active_when_it_was_created() -> None:
    ticket = map_ticket(raw(stats={}), MappingContext())
    assert ticket.last_activity_at == ticket.created_at
    assert ticket.agent_responded_at is None


def test_the_requester_email_comes_inline_or_from_the_requester_directory() -> None:
    directory = {21000418007: FsPerson(id=21000418007, first_name="Ada", last_name="L", primary_email="Ada@X.io")}
    from_directory = map_ticket(raw(), MappingContext(requesters=directory))
    assert (from_directory.requester_name, from_directory.requester_email) == ("Ada L", "ada@x.io")
    inline = map_ticket(raw(requester={"id": 1, "name": "Bo", "email": "bo@y.io"}), MappingContext())
    assert (inline.requester_name, inline.requester_email) == ("Bo", "bo@y.io")


def test_settings_take_the_plan_figures_and_the_overrides() -> None:
    base = {"name": "fs", "base_url": "https://acme.freshservice.com/api/v2/", "api_key": "k"}
    starter = FreshserviceSettings(**base)
    assert (starter.limits.total, starter.limits.list_tickets) == (100, 40)
    assert starter.web_base == "https://acme.freshservice.com"
    pro = FreshserviceSettings(**base, plan="pro", list_requests_per_minute=60, status_map={"7": "on_hold"})
    assert (pro.limits.total, pro.limits.list_tickets) == (400, 60)
    assert pro.status_map == {7: StatusCategory.ON_HOLD}


@given(status=st.integers(), priority=st.one_of(st.none(), st.integers()), ticket_type=st.sampled_from(
    [None, "Incident", "Service Request", "Alert", ""]))  # fmt: skip
def test_mapping_never_raises_on_any_status_or_priority(status: int, priority: int | None, ticket_type: str) -> None:
    ctx = MappingContext(statuses=build_status_table(CUSTOM))
    ticket = map_ticket(raw(status=status, priority=priority, type=ticket_type), ctx)
    assert ticket.status_raw == str(status)
    assert isinstance(ticket.status_category, StatusCategory)
