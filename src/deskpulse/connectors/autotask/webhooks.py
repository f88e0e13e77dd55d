"""Autotask ticket webhooks: check a callout's signature, read its ticket id, register a webhook.

Facts: ``POST TicketWebhooks {IsActive, Name, WebhookUrl, DeactivationUrl, SecretKey (<= 64), IsSubscribedTo…}``
and at least one ``POST TicketWebhooks/{id}/Fields {FieldID, IsSubscribedField, IsDisplayAlwaysField}`` [D]
(shared/vendor-api/autotask.md, "Webhooks"). The signature: ``X-Hook-Signature: sha1=<base64>``, the Base64 of
HMAC-SHA1 over the raw request body keyed by the SecretKey [D] (Autotask's "Secret key and payload
verification" page shows ``sha1=UaDXFl2DRDu9dnINVkFle7y5uAE=`` and says to pick Base 64 output). The payload
carries ``Action``, ``Guid``, ``EntityType`` and ``Id`` plus the changed fields [secondary]; no timestamp is
signed, so replays are caught by remembering recent signatures.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from deskpulse.connectors.autotask import client
from deskpulse.connectors.autotask.http import AutotaskHttp
from deskpulse.connectors.webhook_support import WebhookRejected, unique_ids

SIGNATURE_HEADER = "X-Hook-Signature"
ENTITY = "TicketWebhooks"
SHA1_BYTES = 20
NAME_MAX = 50  # TicketWebhooks.Name is a string(50) [D]


def verify(secret: str, header: str | None, body: bytes) -> str:
    """Check ``X-Hook-Signature`` (``sha1=`` prefix optional); returns the replay key, raises WebhookRejected."""
    if not header or not header.strip():
        raise WebhookRejected(f"The {SIGNATURE_HEADER} header is missing.")
    value = header.strip()
    if value.lower().startswith("sha1="):
        value = value[5:]
    try:
        presented = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        presented = b""
    if len(presented) != SHA1_BYTES:
        raise WebhookRejected(f"The {SIGNATURE_HEADER} header is not a Base64 HMAC-SHA1 ('sha1=<28 characters>').")
    # SHA-1 is Autotask's choice; as an HMAC it is still sound for authenticating a message.
    expected = hmac.new(secret.encode(), body, "sha1").digest()
    if not hmac.compare_digest(expected, presented):
        raise WebhookRejected(f"The {SIGNATURE_HEADER} does not match the body for the configured webhook secret.")
    # Nothing time-bound is signed: the same signature over the same body is the same callout.
    return f"{base64.b64encode(presented).decode()}:{hashlib.sha256(body).hexdigest()}"


def ticket_ids(body: bytes) -> list[str]:
    """The ticket id a (JSON) callout names: ``Id``, else ``EntityId``; callouts about other entities name none."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    entity = payload.get("EntityType")
    if isinstance(entity, str) and entity.strip().lower() not in ("ticket", "tickets"):
        return []
    return unique_ids(payload[key] for key in ("Id", "EntityId") if key in payload)[:1]


def webhook_body(
    url: str, *, secret: str, name: str, deactivation_url: str | None, email: str | None
) -> dict[str, Any]:
    """The ``TicketWebhooks`` record: create, update and delete events, signed with ``secret``."""
    body: dict[str, Any] = {
        "IsActive": True,
        "Name": name[:NAME_MAX],
        "WebhookUrl": url,
        # Required by Autotask [D]; a notice sent here that is not signed is refused (and logged) by deskpulse.
        "DeactivationUrl": deactivation_url or url,
        "SecretKey": secret,
        "IsSubscribedToCreateEvents": True,
        "IsSubscribedToUpdateEvents": True,
        "IsSubscribedToDeleteEvents": True,
        "SendThresholdExceededNotification": bool(email),
    }
    if email:
        body["NotificationEmailAddress"] = email
    return body


# REST_WebhooksEntity.htm and REST_WebhookFieldsEntity.htm (child collection TicketWebhooks/{id}/Fields) [D]
async def register(
    at: AutotaskHttp,
    url: str,
    *,
    secret: str,
    field_ids: Sequence[int],
    name: str,
    deactivation_url: str | None = None,
    email: str | None = None,
) -> int:
    """Create the webhook and subscribe ``field_ids`` (changes to them trigger callouts); returns its id."""
    body = webhook_body(url, secret=secret, name=name, deactivation_url=deactivation_url, email=email)
    webhook_id = await client.create(at, ENTITY, body)
    for field_id in field_ids:
        await client.create_child(
            at, ENTITY, webhook_id, "Fields",
            {"FieldID": field_id, "IsSubscribedField": True, "IsDisplayAlwaysField": False},
        )  # fmt: skip
    return webhook_id
