"""The normalized ticket document (one JSON object per file) and its mapping to a domain ``Ticket``.

The JSON Schema twin of ``TicketDocument`` is ``docs/connectors/files.schema.json``; a test keeps them in step.
Mapping is pure: the caller reads the file and passes the decoded object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo

from deskpulse.domain.tickets import Priority, StatusCategory, Ticket, clip_description

# Shown when a document gives no status_label.
STATUS_LABELS: dict[StatusCategory, str] = {
    StatusCategory.NEW: "New",
    StatusCategory.OPEN: "Open",
    StatusCategory.ASSIGNED: "Assigned",
    StatusCategory.WAITING_ON_CUSTOMER: "Waiting on customer",
    StatusCategory.WAITING_ON_THIRD_PARTY: "Waiting on third party",
    StatusCategory.ON_HOLD: "On hold",
    StatusCategory.RESOLVED: "Resolved",
    StatusCategory.CLOSED: "Closed",
}


class DocumentError(ValueError):
    """A file's content is not a ticket deskpulse can read; the message is the reason, without the file name."""


@dataclass(frozen=True, slots=True)
class MappingContext:
    """What mapping needs besides the document: the zone of offset-less times and the ticket link template."""

    zone: tzinfo = UTC
    url_template: str | None = None

    def link(self, external_id: str) -> str | None:
        """The ticket's web link from the template, or None without one."""
        return self.url_template.format(id=quote(external_id, safe="")) if self.url_template else None


@dataclass(frozen=True, slots=True)
class Reading:
    """One readable document: its ticket plus the team and agent names it gives (for the directory)."""

    ticket: Ticket
    team_name: str | None = None
    agent_name: str | None = None
    agent_email: str | None = None


def parse_time(value: str, zone: tzinfo) -> datetime:
    """ISO 8601 -> aware UTC; a time without offset is read in ``zone``. Raises ValueError."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00
        raise ValueError(f"{value!r} is out of range") from None


def _zone(info: ValidationInfo) -> tzinfo:
    context = info.context if isinstance(info.context, dict) else {}
    zone = context.get("zone", UTC)
    return zone if isinstance(zone, tzinfo) else UTC


def _stamp(value: Any, info: ValidationInfo) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp string")
    return parse_time(value, _zone(info))


def _optional_stamp(value: Any, info: ValidationInfo) -> Any:
    # Writers often put "" for "not yet": that is absent, not malformed.
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _stamp(value, info)


def _as_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError("must be a non-empty string or an integer")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _ref(value: Any) -> Any:
    """A bare id stands for ``{"id": <id>}``; an empty string for no one."""
    if isinstance(value, str) and not value.strip():
        return None
    return {"id": value} if isinstance(value, str | int) and not isinstance(value, bool) else value


Stamp = Annotated[datetime, BeforeValidator(_stamp)]
OptionalStamp = Annotated[datetime | None, BeforeValidator(_optional_stamp)]
# Length limits are the store's column widths: a longer value would fail the whole cycle's commit.
Id = Annotated[str, Field(max_length=64), BeforeValidator(_as_id)]
Name = Annotated[str | None, Field(max_length=300), BeforeValidator(_blank_is_none)]
Email = Annotated[str | None, Field(max_length=320), BeforeValidator(_blank_is_none)]
Short = Annotated[str | None, Field(max_length=64), BeforeValidator(_blank_is_none)]


class LooseModel(BaseModel):
    """Base of the document models."""

    # Unknown keys are ignored: writers may carry more than deskpulse reads.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class TeamRef(LooseModel):
    """A team: ``{"id", "name"}`` or just its id."""

    id: Id
    name: Name = None


class AgentRef(LooseModel):
    """An agent: ``{"id", "name", "email"}`` or just its id."""

    id: Id
    name: Name = None
    email: Email = None


class RequesterRef(LooseModel):
    """The requester; every part is optional (the e-mail domain attributes the ticket to a client)."""

    id: Id | None = None
    name: Name = None
    email: Email = None


class TicketDocument(LooseModel):
    """One ticket in the normalized format (see docs/connectors/files.md)."""

    id: Id
    subject: str
    status: StatusCategory
    created_at: Stamp
    status_label: Short = None
    description: str | None = None
    priority: Priority | None = None
    updated_at: OptionalStamp = None
    first_responded_at: OptionalStamp = None
    agent_responded_at: OptionalStamp = None
    requester_responded_at: OptionalStamp = None
    resolved_at: OptionalStamp = None
    closed_at: OptionalStamp = None
    first_response_due_at: OptionalStamp = None
    resolution_due_at: OptionalStamp = None
    team: Annotated[TeamRef | None, BeforeValidator(_ref)] = None
    agent: Annotated[AgentRef | None, BeforeValidator(_ref)] = None
    requester: RequesterRef | None = None
    ticket_type: Short = None
    category: Annotated[str | None, Field(max_length=100), BeforeValidator(_blank_is_none)] = None
    url: Annotated[str | None, Field(max_length=500), BeforeValidator(_blank_is_none)] = None
    channel: Short = None


def describe(exc: ValidationError) -> str:
    """A validation error as short sentences naming the fields: ``missing required field 'subject'``."""
    parts = []
    for err in exc.errors(include_url=False)[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "document"
        if err["type"] == "missing":
            parts.append(f"missing required field '{where}'")
        else:
            parts.append(f"field '{where}': {err['msg'].removeprefix('Value error, ')}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def last_activity(created: datetime, updated: datetime | None, replies: list[datetime | None]) -> datetime:
    """The latest reply either way when the document gives any, else ``updated_at``, else ``created_at``."""
    known = [r for r in replies if r is not None]
    if known:
        return max([created, *known])
    return updated or created


def map_document(data: dict[str, Any], ctx: MappingContext) -> Reading:
    """Validate and map one normalized document. Raises DocumentError with the reason."""
    try:
        doc = TicketDocument.model_validate(data, context={"zone": ctx.zone})
    except ValidationError as exc:
        raise DocumentError(describe(exc)) from None
    person = doc.requester
    return Reading(
        ticket=Ticket(
            external_id=doc.id,
            number=doc.id,
            subject=doc.subject,
            description=clip_description(doc.description),
            # The writer's own status name when it gives one, so a change between two "on hold" statuses shows.
            status_raw=doc.status_label or doc.status.value,
            status_label=doc.status_label or STATUS_LABELS[doc.status],
            status_category=doc.status,
            priority_raw=doc.priority.value if doc.priority else None,
            priority=doc.priority,
            channel=doc.channel,
            team_external_id=doc.team.id if doc.team else None,
            agent_external_id=doc.agent.id if doc.agent else None,
            requester_external_id=person.id if person else None,
            requester_name=person.name if person else None,
            requester_email=person.email.lower() if person and person.email else None,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            first_responded_at=doc.first_responded_at,
            resolved_at=doc.resolved_at,
            closed_at=doc.closed_at,
            first_response_due_at=doc.first_response_due_at,
            resolution_due_at=doc.resolution_due_at,
            last_activity_at=last_activity(
                doc.created_at, doc.updated_at, [doc.agent_responded_at, doc.requester_responded_at]
            ),
            agent_responded_at=doc.agent_responded_at,
            requester_responded_at=doc.requester_responded_at,
            ticket_type=doc.ticket_type,
            category=doc.category,
            url=doc.url or ctx.link(doc.id),
        ),
        team_name=doc.team.name if doc.team else None,
        agent_name=doc.agent.name if doc.agent else None,
        agent_email=doc.agent.email.lower() if doc.agent and doc.agent.email else None,
    )
