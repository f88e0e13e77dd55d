"""Trengo webhooks: check a callout's signature, read its ticket ids, register webhooks.

Facts (shared/vendor-api/trengo.md, "Webhooks"): callouts are form-encoded; ``Trengo-Signature: <unix_ts>;<hex>``
where hex is the lowercase HMAC-SHA256 of ``"<unix_ts>.<raw body>"`` keyed by the webhook's ``signing_secret``
[D]; ``POST /webhooks {name, type, url}`` registers one event type and answers with ``id`` and
``signing_secret``, ``DELETE /webhooks/{id}`` removes it [C]. Every webhook has its own secret, so a source
registered for several event types holds several secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ValidationError

from deskpulse.connectors.base import ConnectorError, HttpClient
from deskpulse.connectors.webhook_support import Registration, WebhookRejected, unique_ids

SIGNATURE_HEADER = "Trengo-Signature"
MAX_SKEW_SECONDS = 300
# The ticket events that change what deskpulse shows. INBOUND also announces a new ticket (its first message).
EVENT_TYPES = (
    "INBOUND",
    "OUTBOUND",
    "TICKET_ASSIGNED",
    "TICKET_CLOSED",
    "TICKET_REOPENED",
    "TICKET_MARKED_AS_SPAM",
    "TICKET_UNMARKED_AS_SPAM",
)
# Payload fields that name tickets [D]; a merge names the ticket it deleted as well.
ID_FIELDS = ("ticket_id", "merged_and_deleted_ticket_id")
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def verify(secrets: Sequence[str], header: str | None, body: bytes, *, now: float) -> str:
    """Check ``Trengo-Signature`` against each secret; returns the replay key, raises WebhookRejected."""
    if not header or not header.strip():
        raise WebhookRejected(f"The {SIGNATURE_HEADER} header is missing.")
    stamp, sep, digest = header.strip().partition(";")
    if not sep or not stamp.isdigit() or not _HEX.match(digest):
        raise WebhookRejected(f"The {SIGNATURE_HEADER} header is not of the form '<unix time>;<64 hex digits>'.")
    skew = now - int(stamp)
    if abs(skew) > MAX_SKEW_SECONDS:
        raise WebhookRejected(
            f"The {SIGNATURE_HEADER} timestamp is {abs(skew):.0f} s {'old' if skew > 0 else 'in the future'}; "
            f"at most {MAX_SKEW_SECONDS} s is accepted."
        )
    message = stamp.encode() + b"." + body
    matched = False
    for secret in secrets:  # every secret is tried, so the time taken does not tell which one matched
        expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        matched |= hmac.compare_digest(expected, digest.lower())
    if not matched:
        raise WebhookRejected(f"The {SIGNATURE_HEADER} does not match the body for any configured webhook secret.")
    return f"{stamp};{digest.lower()}"


def ticket_ids(body: bytes) -> list[str]:
    """The ticket ids a (form-encoded) callout names; nothing else in it is used."""
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=100)
    return unique_ids(value for name in ID_FIELDS for value in fields.get(name, []))


class _CreatedWebhook(BaseModel):
    id: int | str
    signing_secret: str | None = None


# Pipedream's Trengo source (sources/common/common.mjs): POST /webhooks {name, type, url} [C]
async def register(http: HttpClient, url: str, *, events: Sequence[str], name: str) -> list[Registration]:
    """One webhook per event type pointing at ``url``; on a failure the ones already made are deleted again."""
    made: list[Registration] = []
    try:
        for event in events:
            body, _, _ = await http.request_json(
                "POST", "webhooks", json_body={"name": f"{name} {event.lower()}"[:100], "type": event, "url": url}
            )
            made.append(_registration(body, event))
    except ConnectorError:
        for done in made:
            await unregister(http, done.webhook_id)
        raise
    return made


def _registration(body: Any, event: str) -> Registration:
    raw = body.get("data", body) if isinstance(body, dict) else body
    try:
        created = _CreatedWebhook.model_validate(raw)
    except ValidationError as exc:
        raise ConnectorError(f"Trengo created the {event} webhook but its answer has no id: {exc}") from exc
    return Registration(str(created.id), event, created.signing_secret)


# Pipedream's Trengo source: DELETE /webhooks/{id} [C]
async def unregister(http: HttpClient, webhook_id: str) -> None:
    """Delete one webhook; a failure is swallowed (this only tidies up after another failure)."""
    try:
        await http.request_json("DELETE", f"webhooks/{webhook_id}")
    except ConnectorError:
        return
