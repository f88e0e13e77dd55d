"""What the vendors' webhook code shares: the refusal, the registration record, ids and secrets.

Each vendor's ``webhooks.py`` checks a callout's signature (pure functions of the secret, the headers and the
raw body), pulls the ticket ids out of it and, where the vendor has an API for it, registers a webhook. A
callout is never trusted as data: only its ticket ids are used, and those tickets are then read from the vendor.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Vendor ticket ids are numbers for Trengo, Freshservice and Autotask; anything else in a payload is ignored.
_TICKET_ID = re.compile(r"^[0-9]{1,20}$")
_SEPARATORS = re.compile(r"[\s,]+")
# The largest number of ticket ids taken from one callout (vendors send one; a forged batch gains nothing).
MAX_IDS_PER_CALLOUT = 20


class WebhookRejected(Exception):
    """A callout that must not be acted on; ``message`` is one sentence for the 401 answer and the log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Registration:
    """One webhook created at the vendor: its id, the event it covers and the secret that signs its callouts."""

    webhook_id: str
    event: str
    secret: str | None


def ticket_id(value: Any) -> str | None:
    """``value`` as a vendor ticket id (digits only, ints accepted), or None when it is not one."""
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    return text if _TICKET_ID.match(text) else None


def unique_ids(values: Iterable[Any]) -> list[str]:
    """The valid ticket ids among ``values``, once each, in order, at most ``MAX_IDS_PER_CALLOUT``."""
    found: list[str] = []
    for value in values:
        ext = ticket_id(value)
        if ext is not None and ext not in found:
            found.append(ext)
    return found[:MAX_IDS_PER_CALLOUT]


def new_secret() -> str:
    """A random secret for a webhook: 43 URL-safe characters (256 bits), within Autotask's 64-character limit."""
    return secrets.token_urlsafe(32)


def secret_list(value: Any) -> Any:
    """Settings helper: one secret, several separated by commas or spaces, or a list -> a list (None if empty)."""
    if value is None:
        return None
    items = _SEPARATORS.split(value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return value  # let pydantic report the wrong type
    cleaned = [str(s).strip() for s in items if str(s).strip()]
    return cleaned or None
