"""Freshservice webhooks: a Workflow Automator rule calls deskpulse; a shared secret header authenticates it.

Facts (shared/vendor-api/freshservice.md, "Incremental sync and webhooks"): there is no webhook API; an admin
adds a Workflow Automator event rule ("Ticket is raised" / "Ticket is updated") with the action "Trigger
Webhook" and chooses the JSON body, e.g. ``{"ticket_id":"{{ticket.id_numeric}}"}``; Freshservice retries on
5xx [C]. Freshservice does not sign the request, so the rule sends a secret header that deskpulse compares.
"""

from __future__ import annotations

import hmac
import json

from deskpulse.connectors.webhook_support import WebhookRejected, unique_ids

SECRET_HEADER = "X-Deskpulse-Secret"  # noqa: S105  (a header name, not a secret)
BODY_TEMPLATE = '{"ticket_id": "{{ticket.id_numeric}}"}'


def verify(secret: str, header: str | None) -> None:
    """Compare the ``X-Deskpulse-Secret`` header with the configured secret in constant time."""
    if not header:
        raise WebhookRejected(f"The {SECRET_HEADER} header is missing.")
    if not hmac.compare_digest(header.strip().encode(), secret.encode()):
        raise WebhookRejected(f"The {SECRET_HEADER} header does not match the configured webhook secret.")


def ticket_ids(body: bytes) -> list[str]:
    """The ``ticket_id`` (or a ``ticket_ids`` list) of the JSON body the rule sends."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    if not isinstance(payload, dict):
        return []
    many = payload.get("ticket_ids")
    values = [payload.get("ticket_id"), *(many if isinstance(many, list) else [])]
    return unique_ids(v for v in values if v is not None)


def setup_steps(url: str, secret: str) -> list[str]:
    """The Workflow Automator steps that make Freshservice call ``url`` with ``secret``, one sentence each."""
    return [
        "In Freshservice open Admin > Workflow Automator and create a new Ticket automator (event based).",
        "Event: 'Ticket is raised'; add the events 'Ticket is updated' for Status, Priority, Agent and Group.",
        "Add the action 'Trigger Webhook': request type POST, callback URL " + url + ".",
        f"Custom headers: {SECRET_HEADER}: {secret}",
        "Encoding JSON, content 'Advanced', body: " + BODY_TEMPLATE,
        "Activate the automator, then put the secret in this source's webhook_secret and restart deskpulse.",
    ]
