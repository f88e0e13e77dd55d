"""Tenant-specific ticket picklists (status, priority, queue, source, issue and ticket type) -> labels and categories.

Pure functions over ``GET Tickets/entityInformation/fields``. Picklist values are strings there and ints on
tickets [C]. The only code deskpulse knows in advance is status ``5 = Complete`` [C]; every other status and
priority is classified by its name, and ``status_map`` / ``priority_map`` in the settings always win.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from deskpulse.connectors.autotask.models import AtField
from deskpulse.domain.tickets import Priority, StatusCategory

COMPLETE = 5  # [C] django-autotask Status.COMPLETE_ID

# First match wins: "Resolved - Awaiting Confirmation" is resolved, "Customer Note Added" is open again.
_STATUS_NAMES: tuple[tuple[tuple[str, ...], StatusCategory], ...] = (
    (("complete", "completed", "closed", "cancelled", "canceled", "duplicate"), StatusCategory.CLOSED),
    (("resolved", "solved", "fixed"), StatusCategory.RESOLVED),
    (("customer note added", "customer replied", "customer responded", "client responded", "reopened"),
     StatusCategory.OPEN),
    (("third party", "third-party", "3rd party", "vendor", "supplier", "materials", "parts"),
     StatusCategory.WAITING_ON_THIRD_PARTY),
    (("waiting customer", "waiting on customer", "waiting for customer", "awaiting customer", "waiting approval",
      "awaiting approval", "waiting client", "waiting on client", "customer", "client"),
     StatusCategory.WAITING_ON_CUSTOMER),
    (("on hold", "hold", "paused", "deferred", "scheduled"), StatusCategory.ON_HOLD),
    (("new",), StatusCategory.NEW),
    (("in progress", "escalate", "escalated", "assigned", "working", "open", "dispatched"), StatusCategory.OPEN),
)  # fmt: skip
_PRIORITY_NAMES: tuple[tuple[tuple[str, ...], Priority], ...] = (
    (("critical", "urgent", "emergency", "p1"), Priority.URGENT),
    (("high", "p2"), Priority.HIGH),
    (("medium", "normal", "moderate", "standard", "p3"), Priority.MEDIUM),
    (("low", "minor", "p4", "p5"), Priority.LOW),
)


def _matches(needles: tuple[str, ...], label: str) -> bool:
    text = " ".join(label.lower().replace("_", " ").split())
    return any(re.search(rf"(?<![a-z0-9]){re.escape(n)}(?![a-z0-9])", text) for n in needles)


def status_for_name(label: str) -> StatusCategory | None:
    """The category a status name suggests, or None when nothing in it is recognisable."""
    return next((category for needles, category in _STATUS_NAMES if _matches(needles, label)), None)


def priority_for_name(label: str) -> Priority | None:
    """The priority a priority name suggests, or None."""
    return next((priority for needles, priority in _PRIORITY_NAMES if _matches(needles, label)), None)


def picklist(fields: Iterable[Mapping[str, Any]], name: str) -> dict[int, str]:
    """``{code: label}`` of one field's picklist (empty when the field or its picklist is missing)."""
    for raw in fields:
        if str(raw.get("name", "")).lower() != name.lower():
            continue
        try:
            parsed = AtField.model_validate(raw)
        except ValidationError:
            return {}
        return {int(v.value): v.label for v in parsed.picklistValues or [] if v.value.lstrip("-").isdigit()}
    return {}


@dataclass(frozen=True, slots=True)
class Picklists:
    """Resolved ticket picklists of one tenant; ``warnings`` name statuses guessed as Open."""

    statuses: Mapping[int, tuple[str, StatusCategory]] = field(default_factory=dict)
    priorities: Mapping[int, tuple[str, Priority | None]] = field(default_factory=dict)
    queues: Mapping[int, str] = field(default_factory=dict)
    sources: Mapping[int, str] = field(default_factory=dict)
    issue_types: Mapping[int, str] = field(default_factory=dict)
    ticket_types: Mapping[int, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def status(self, code: int) -> tuple[str, StatusCategory, str | None]:
        """(label, category, warning); an unknown code is Open with a warning, never an error."""
        if code in self.statuses:
            label, category = self.statuses[code]
            return label, category, None
        if code == COMPLETE:
            return "Complete", StatusCategory.CLOSED, None
        warning = f"Autotask status code {code} is not in the Tickets status picklist; counted as Open (set status_map)"
        return f"Status {code}", StatusCategory.OPEN, warning

    def priority(self, code: int | None) -> tuple[str | None, Priority | None]:
        """(label, priority) for a priority code; the bare code as label when the picklist lacks it."""
        if code is None:
            return None, None
        return self.priorities.get(code, (str(code), None))

    def finished_codes(self) -> list[int]:
        """Status codes whose category needs no more work (Complete always among them), ascending."""
        codes = {code for code, (_, category) in self.statuses.items() if not category.is_active}
        return sorted(codes | {COMPLETE})


def build_picklists(
    fields: Iterable[Mapping[str, Any]],
    status_map: Mapping[int, StatusCategory] | None = None,
    priority_map: Mapping[int, Priority] | None = None,
) -> Picklists:
    """Picklists from the field metadata; names classified by heuristics, then the maps applied (they win)."""
    rows = list(fields)
    status_map, priority_map = status_map or {}, priority_map or {}
    warnings: list[str] = []
    statuses: dict[int, tuple[str, StatusCategory]] = {}
    for code, label in picklist(rows, "status").items():
        category = StatusCategory.CLOSED if code == COMPLETE else status_for_name(label)
        if category is None and code not in status_map:
            warnings.append(f"Autotask status {label!r} ({code}) has no recognisable name; counted as Open")
        statuses[code] = (label, category or StatusCategory.OPEN)
    for code, category in status_map.items():
        statuses[code] = (statuses.get(code, (f"Status {code}", category))[0], category)
    priorities: dict[int, tuple[str, Priority | None]] = {
        code: (label, priority_map.get(code) or priority_for_name(label))
        for code, label in picklist(rows, "priority").items()
    }
    for code, priority in priority_map.items():
        priorities[code] = (priorities.get(code, (str(code), priority))[0], priority)
    return Picklists(
        statuses=statuses, priorities=priorities, queues=picklist(rows, "queueID"), sources=picklist(rows, "source"),
        issue_types=picklist(rows, "issueType"), ticket_types=picklist(rows, "ticketType"), warnings=tuple(warnings),
    )  # fmt: skip
