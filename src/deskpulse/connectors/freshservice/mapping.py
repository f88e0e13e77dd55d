"""Freshservice payloads -> domain objects. Pure functions: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deskpulse.connectors.freshservice.models import FsAgent, FsGroup, FsPerson, FsTicket
from deskpulse.connectors.freshservice.statuses import StatusTable, build_status_table
from deskpulse.connectors.protocol import VendorAccount
from deskpulse.domain.tickets import (
    UNKNOWN_FIELDS_KEY,
    Agent,
    Priority,
    Team,
    Ticket,
    clip_category,
    clip_description,
)

# Ticket fields that come from `include=stats` (see map_ticket).
STATS_FIELDS = (
    "assigned_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "last_activity_at",
    "agent_responded_at",
    "requester_responded_at",
)

PRIORITIES: dict[int, tuple[str, Priority]] = {
    1: ("Low", Priority.LOW),
    2: ("Medium", Priority.MEDIUM),
    3: ("High", Priority.HIGH),
    4: ("Urgent", Priority.URGENT),
}
SOURCES: dict[int, str] = {
    1: "email", 2: "portal", 3: "phone", 4: "chat", 5: "feedback_widget", 6: "yammer", 7: "aws_cloudwatch",
    8: "pagerduty", 9: "walkup", 10: "slack", 11: "chatbot", 12: "workplace", 13: "employee_onboarding",
    14: "alerts", 15: "ms_teams", 18: "employee_offboarding",
}  # fmt: skip
SERVICE_REQUEST = "service request"


def parse_timestamp(value: str | None) -> datetime | None:
    """ISO-8601 (``2025-10-20T01:17:53Z``) -> aware UTC; naive values are read as UTC. Raises ValueError."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _str_id(value: int | None) -> str | None:
    return None if value is None else str(value)


@dataclass(slots=True)
class MappingContext:
    """What mapping needs besides the payload: statuses, link base, requester directory; collects warnings."""

    statuses: StatusTable = field(default_factory=build_status_table)
    web_base: str | None = None
    requesters: Mapping[int, FsPerson] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def first_response_target(raw: FsTicket) -> str | None:
    """``fr_due_by``, except for Service Requests whose first-response target is ``due_by``."""
    if (raw.type or "").strip().lower() == SERVICE_REQUEST:
        return raw.due_by
    return raw.fr_due_by


def map_ticket(raw: FsTicket, ctx: MappingContext) -> Ticket:
    """Map one Freshservice ticket; unknown statuses and priorities never raise (warnings go to ``ctx``)."""
    label, category, warning = ctx.statuses.resolve(raw.status)
    if warning is not None and warning not in ctx.warnings:
        ctx.warnings.append(warning)
    priority = PRIORITIES.get(raw.priority) if raw.priority is not None else None
    created = parse_timestamp(raw.created_at)
    if created is None:
        raise ValueError("ticket without created_at")
    updated = parse_timestamp(raw.updated_at)
    stats = raw.stats
    agent_at = parse_timestamp(stats.agent_responded_at) if stats else None
    requester_at = parse_timestamp(stats.requester_responded_at) if stats else None
    # [I] Last activity = the latest reply either way (the ticket's creation counts as the requester's first
    # word). updated_at is only a fallback without stats: automations and field edits bump it too.
    replies = [t for t in (agent_at, requester_at) if t is not None]
    last_activity = max([created, *replies]) if stats is not None else (updated or created)
    person = raw.requester or (ctx.requesters.get(raw.requester_id) if raw.requester_id is not None else None)
    extra: dict[str, str] = {}
    if stats is None:
        # Without stats these fields are unknown in this payload, not empty: the store keeps what it has.
        extra[UNKNOWN_FIELDS_KEY] = ",".join(STATS_FIELDS)
    for key, value in (("workspace_id", raw.workspace_id), ("department_id", raw.department_id)):
        if value is not None:
            extra[key] = str(value)
    return Ticket(
        external_id=str(raw.id),
        number=str(raw.id),
        subject=raw.subject,
        description=clip_description(raw.description_text),
        status_raw=str(raw.status),
        status_label=label,
        status_category=category,
        priority_raw=priority[0] if priority else _str_id(raw.priority),
        priority=priority[1] if priority else None,
        channel=SOURCES.get(raw.source) if raw.source is not None else None,
        team_external_id=_str_id(raw.group_id),
        agent_external_id=_str_id(raw.responder_id),
        requester_external_id=_str_id(raw.requester_id),
        requester_name=person.display_name if person else None,
        requester_email=person.address if person else None,
        created_at=created,
        updated_at=updated,
        assigned_at=parse_timestamp((stats.assigned_at or stats.first_assigned_at) if stats else None),
        first_responded_at=parse_timestamp(stats.first_responded_at) if stats else None,
        resolved_at=parse_timestamp(stats.resolved_at) if stats else None,
        closed_at=parse_timestamp(stats.closed_at) if stats else None,
        first_response_due_at=parse_timestamp(first_response_target(raw)),
        resolution_due_at=parse_timestamp(raw.due_by),
        last_activity_at=last_activity,
        url=f"{ctx.web_base}/a/tickets/{raw.id}" if ctx.web_base else None,
        agent_responded_at=agent_at,
        requester_responded_at=requester_at,
        ticket_type=raw.type or None,
        category=clip_category(raw.category),
        # In the MSP product departments are the customer companies [D]; see ClientConfig.accounts.
        account_ref=f"department:{raw.department_id}" if raw.department_id is not None else None,
        extra=extra,
    )


def map_accounts(which: str, rows: Iterable[Mapping[str, Any]]) -> list[VendorAccount]:
    """Companies (MSP, ``which == "companies"``) or departments as vendor accounts; rows without an id are skipped."""
    kind = "company" if which == "companies" else "department"
    found = []
    for row in rows:
        ident, name = row.get("id"), row.get("name")
        if isinstance(ident, int) and not isinstance(ident, bool):
            label = name.strip() if isinstance(name, str) and name.strip() else f"{kind.title()} {ident}"
            found.append(VendorAccount(kind=kind, external_id=str(ident), name=label))
    return found


def map_group(raw: FsGroup) -> Team:
    """Map an agent group to a team."""
    return Team(external_id=str(raw.id), name=raw.name or f"Group {raw.id}")


def map_agent(raw: FsAgent) -> Agent:
    """Map an agent."""
    return Agent(external_id=str(raw.id), name=raw.display_name or f"Agent {raw.id}", email=raw.address)
