"""The old Freshservice watcher's files (``123.txt``): Freshservice fields with ``_raw`` and ``_str`` suffixes.

A document is legacy when it has a ``status_raw`` key. Its id is ``id`` when present, else the file name's stem.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError

from deskpulse.connectors.files.schema import (
    DocumentError,
    Id,
    LooseModel,
    MappingContext,
    OptionalStamp,
    Reading,
    Stamp,
    describe,
)
from deskpulse.domain.tickets import Priority, StatusCategory, Ticket, clip_description

LEGACY_MARKER = "status_raw"

# Freshservice's standard codes; any other code was a custom status of the old desk, still being worked on.
LEGACY_STATUSES: dict[int, tuple[str, StatusCategory]] = {
    2: ("Open", StatusCategory.OPEN),
    3: ("Pending", StatusCategory.WAITING_ON_CUSTOMER),
    4: ("Resolved", StatusCategory.RESOLVED),
    5: ("Closed", StatusCategory.CLOSED),
}
LEGACY_PRIORITIES: dict[int, Priority] = {1: Priority.LOW, 2: Priority.MEDIUM, 3: Priority.HIGH, 4: Priority.URGENT}


def _code(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError("must be a whole number")


def _optional_code(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else _code(value)


class LegacyDocument(LooseModel):
    """The fields of the old watcher's files that deskpulse reads."""

    id: Id | None = None
    subject: str | None = None
    status_raw: Annotated[int, BeforeValidator(_code)]
    priority_raw: Annotated[int | None, BeforeValidator(_optional_code)] = None
    created_at_str: Stamp
    updated_at_str: OptionalStamp = None
    fr_due_by_str: OptionalStamp = None
    description_text: str | None = None
    responder_id: Id | None = None
    requester_id: Id | None = None


def is_legacy(data: dict[str, Any]) -> bool:
    """True for a document in the old watcher's format."""
    return LEGACY_MARKER in data


def map_legacy(data: dict[str, Any], stem: str, ctx: MappingContext) -> Reading:
    """Validate and map one legacy document; ``stem`` (the file name without extension) is the fallback id."""
    try:
        doc = LegacyDocument.model_validate(data, context={"zone": ctx.zone})
    except ValidationError as exc:
        raise DocumentError(describe(exc)) from None
    external_id = doc.id or stem.strip()
    if not external_id or len(external_id) > 64:
        raise DocumentError("no 'id' field and the file name is not a usable ticket id (1 to 64 characters)")
    label, category = LEGACY_STATUSES.get(doc.status_raw, (f"Status {doc.status_raw}", StatusCategory.ON_HOLD))
    priority = LEGACY_PRIORITIES.get(doc.priority_raw) if doc.priority_raw is not None else None
    return Reading(
        ticket=Ticket(
            external_id=external_id,
            number=external_id,
            subject=doc.subject,
            description=clip_description(doc.description_text),
            status_raw=str(doc.status_raw),
            status_label=label,
            status_category=category,
            priority_raw=str(doc.priority_raw) if doc.priority_raw is not None else None,
            priority=priority,
            agent_external_id=doc.responder_id,
            requester_external_id=doc.requester_id,
            created_at=doc.created_at_str,
            updated_at=doc.updated_at_str,
            first_response_due_at=doc.fr_due_by_str,
            last_activity_at=doc.updated_at_str or doc.created_at_str,
            url=ctx.link(external_id),
        )
    )
