"""Status codes -> (label, category): the standard four, custom statuses by name, and config overrides.

Pure functions. Custom statuses come from ``GET /ticket_form_fields`` (the ``status`` field's choices).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from deskpulse.domain.tickets import StatusCategory

STANDARD: dict[int, tuple[str, StatusCategory]] = {
    2: ("Open", StatusCategory.OPEN),
    # Pending is "waiting on the requester" in Freshservice's own SLA settings; overridable per source.
    3: ("Pending", StatusCategory.WAITING_ON_CUSTOMER),
    4: ("Resolved", StatusCategory.RESOLVED),
    5: ("Closed", StatusCategory.CLOSED),
}

# First match wins, so "customer replied" is tested before "waiting on customer".
_HEURISTICS: tuple[tuple[tuple[str, ...], StatusCategory], ...] = (
    (("customer replied", "customer responded", "requester replied", "requester responded", "user replied"),
     StatusCategory.OPEN),
    (("third party", "third-party", "3rd party", "vendor", "supplier"), StatusCategory.WAITING_ON_THIRD_PARTY),
    (("waiting on customer", "waiting for customer", "awaiting customer", "waiting on requester",
      "waiting for requester", "awaiting requester", "waiting on user", "awaiting user", "customer"),
     StatusCategory.WAITING_ON_CUSTOMER),
    (("on hold", "on-hold", "hold", "paused", "deferred", "scheduled"), StatusCategory.ON_HOLD),
    (("resolved", "solved", "fixed"), StatusCategory.RESOLVED),
    (("closed", "cancelled", "canceled", "rejected"), StatusCategory.CLOSED),
    (("open", "in progress", "assigned", "working", "new", "reopened"), StatusCategory.OPEN),
)  # fmt: skip


def category_for_name(label: str) -> StatusCategory | None:
    """The category a custom status name suggests, or None when nothing in it is recognisable."""
    text = " ".join(label.lower().replace("_", " ").split())
    for needles, category in _HEURISTICS:
        if any(needle in text for needle in needles):
            return category
    return None


def parse_choices(choices: Any) -> dict[int, str]:
    """Status choices as {code: label}; accepts ``[{"id": 2, "value": "Open"}]`` and ``{"Open": 2}`` /
    ``{"2": "Open"}`` / ``{"2": ["Open", "Being processed"]}`` shapes [I: the exact shape is not in the docs]."""
    found: dict[int, str] = {}
    if isinstance(choices, list):
        for choice in choices:
            if isinstance(choice, dict):
                code = _as_code(choice.get("id", choice.get("value_id")))
                label = choice.get("value", choice.get("name", choice.get("label")))
                if code is not None and isinstance(label, str):
                    found[code] = label
    elif isinstance(choices, dict):
        for key, value in choices.items():
            label = value[0] if isinstance(value, list) and value else value
            key_code, value_code = _as_code(key), _as_code(value)
            if key_code is not None and isinstance(label, str):
                found[key_code] = label
            elif isinstance(key, str) and value_code is not None:
                found[value_code] = key
    return found


def _as_code(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


@dataclass(frozen=True, slots=True)
class StatusTable:
    """Resolved statuses of one account; ``warnings`` name the custom statuses guessed as Open."""

    entries: Mapping[int, tuple[str, StatusCategory]]
    warnings: tuple[str, ...] = field(default=())

    def resolve(self, code: int) -> tuple[str, StatusCategory, str | None]:
        """(label, category, warning) for ``code``; an unknown code is Open with a warning, never an error."""
        if code in self.entries:
            label, category = self.entries[code]
            return label, category, None
        warning = f"Freshservice status code {code} is not in the ticket form fields; counted as Open (set status_map)"
        return f"Status {code}", StatusCategory.OPEN, warning

    def active_codes(self) -> list[int]:
        """Codes whose category still needs work, ascending."""
        return sorted(code for code, (_, category) in self.entries.items() if category.is_active)


def build_status_table(
    choices: Mapping[int, str] | None = None, overrides: Mapping[int, StatusCategory] | None = None
) -> StatusTable:
    """Standard statuses, then custom ones by name, then ``overrides`` (which always win)."""
    entries: dict[int, tuple[str, StatusCategory]] = dict(STANDARD)
    warnings: list[str] = []
    overrides = overrides or {}
    for code, label in sorted((choices or {}).items()):
        if code in STANDARD:
            entries[code] = (label, STANDARD[code][1])  # keep the meaning, show the account's wording
            continue
        category = category_for_name(label)
        if category is None and code not in overrides:
            warnings.append(f"Freshservice status {label!r} ({code}) has no recognisable name; counted as Open")
        entries[code] = (label, category or StatusCategory.OPEN)
    for code, category in overrides.items():
        label = entries.get(code, (f"Status {code}", category))[0]
        entries[code] = (label, category)
    return StatusTable(entries=entries, warnings=tuple(warnings))


def status_choices(fields: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """The ``status`` field's choices out of ``GET /ticket_form_fields``' list (empty if absent)."""
    for item in fields:
        if item.get("name") == "status":
            return parse_choices(item.get("choices"))
    return {}
