"""Autotask payloads -> domain objects. Pure functions: no I/O.

Ticket -> Ticket: queue -> team, assigned resource -> agent, company -> ``extra["company_id"]``; SLA targets from
``firstResponseDueDateTime`` and ``resolvedDueDateTime`` (else ``resolutionPlanDueDateTime``). autotask.md gives no
URL pattern for a ticket in the web UI, so ``url`` stays empty rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from deskpulse.connectors.autotask.models import AtCompany, AtResource, AtTicket
from deskpulse.connectors.autotask.picklists import COMPLETE, Picklists
from deskpulse.domain.tickets import Agent, StatusCategory, Team, Ticket, clip_category, clip_description

CHANNELS: tuple[tuple[str, str], ...] = (
    ("mail", "email"), ("phone", "phone"), ("call", "phone"), ("voice", "phone"), ("portal", "portal"),
    ("web", "portal"), ("monitor", "monitoring"), ("alert", "monitoring"), ("chat", "chat"),
)  # fmt: skip


def parse_timestamp(value: str | None, naive_zone: tzinfo = UTC) -> datetime | None:
    """``2019-08-18T01:00:00.000Z`` or zone-less ``2016-03-30T13:10:35.563`` -> aware UTC [C]; ValueError if bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)  # the REST API works in UTC [D]
    return parsed.astimezone(UTC)


def channel_for(label: str | None) -> str | None:
    """A deskpulse channel name for a source label (``Email`` -> ``email``), else the label lower-cased."""
    if not label:
        return None
    text = label.lower()
    return next((channel for needle, channel in CHANNELS if needle in text), text.replace(" ", "_"))


@dataclass(slots=True)
class MappingContext:
    """What mapping needs besides the payload: picklists, company names, the naive zone; collects warnings."""

    picklists: Picklists = field(default_factory=Picklists)
    companies: Mapping[int, str] = field(default_factory=dict)
    naive_zone: tzinfo = UTC
    warnings: list[str] = field(default_factory=list)


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def map_ticket(raw: AtTicket, ctx: MappingContext) -> Ticket:
    """Map one Autotask ticket; unknown statuses never raise (the warning goes to ``ctx``)."""
    label, category, warning = ctx.picklists.status(raw.status)
    if warning is not None and warning not in ctx.warnings:
        ctx.warnings.append(warning)

    def when(value: str | None) -> datetime | None:
        return parse_timestamp(value, ctx.naive_zone)

    created = when(raw.createDate)
    if created is None:
        raise ValueError("ticket without createDate")
    priority_label, priority = ctx.picklists.priority(raw.priority)
    completed = when(raw.completedDate)
    resolved = when(raw.resolvedDateTime)
    if resolved is None and category in (StatusCategory.RESOLVED, StatusCategory.CLOSED):
        resolved = completed
    extra: dict[str, str] = {}
    if raw.companyID is not None:
        extra["company_id"] = str(raw.companyID)
        if raw.companyID in ctx.companies:
            extra["company_name"] = ctx.companies[raw.companyID]
    for key, value in (("issue_type", raw.issueType), ("sla_id", raw.serviceLevelAgreementID)):
        if value is not None:
            extra[key] = ctx.picklists.issue_types.get(value, str(value)) if key == "issue_type" else str(value)
    if raw.serviceLevelAgreementHasBeenMet is not None:
        extra["sla_met"] = "true" if raw.serviceLevelAgreementHasBeenMet else "false"
    ticket_type = ctx.picklists.ticket_types.get(raw.ticketType) if raw.ticketType is not None else None
    issue = ctx.picklists.issue_types.get(raw.issueType, str(raw.issueType)) if raw.issueType is not None else None
    return Ticket(
        external_id=str(raw.id),
        number=raw.ticketNumber or str(raw.id),
        subject=raw.title,
        description=clip_description(raw.description),
        status_raw=str(raw.status),
        status_label=label,
        status_category=category,
        priority_raw=priority_label,
        priority=priority,
        channel=channel_for(ctx.picklists.sources.get(raw.source)) if raw.source is not None else None,
        team_external_id=_id(raw.queueID),
        agent_external_id=_id(raw.assignedResourceID),
        requester_external_id=_id(raw.contactID),
        created_at=created,
        updated_at=when(raw.lastTrackedModificationDateTime) or when(raw.lastActivityDate),
        first_responded_at=when(raw.firstResponseDateTime),
        resolved_at=resolved,
        # Status 5 (Complete) is the closed state [C]; completedDate is when it got there.
        closed_at=completed if raw.status == COMPLETE or category is StatusCategory.CLOSED else None,
        first_response_due_at=when(raw.firstResponseDueDateTime),
        resolution_due_at=when(raw.resolvedDueDateTime) or when(raw.resolutionPlanDueDateTime),
        last_activity_at=when(raw.lastActivityDate) or created,
        ticket_type=ticket_type or (str(raw.ticketType) if raw.ticketType is not None else None),
        category=clip_category(issue),
        account_ref=f"company:{raw.companyID}" if raw.companyID is not None else None,
        extra=extra,
    )


def map_queue(code: int, label: str) -> Team:
    """A queue (a ``queueID`` picklist value) as a team."""
    return Team(external_id=str(code), name=label or f"Queue {code}")


def map_resource(raw: AtResource) -> Agent:
    """A resource as an agent."""
    name = " ".join(p for p in (raw.firstName, raw.lastName) if p) or raw.userName or f"Resource {raw.id}"
    email = raw.email.strip().lower() if raw.email and raw.email.strip() else None
    return Agent(external_id=str(raw.id), name=name, email=email)


@dataclass(frozen=True, slots=True)
class Company:
    """A customer company of the MSP."""

    external_id: str
    name: str
    number: str | None = None
    active: bool = True


def map_company(raw: AtCompany) -> Company:
    """A company record."""
    return Company(
        external_id=str(raw.id), name=raw.companyName or f"Company {raw.id}", number=raw.companyNumber,
        active=raw.isActive is not False,
    )  # fmt: skip
