"""Ticket webhooks in the Autotask simulator: ``POST TicketWebhooks``, ``POST TicketWebhooks/{id}/Fields``,
``GET TicketWebhooks/{id}``, and signed callouts.

A webhook needs ``WebhookUrl`` and ``DeactivationUrl``, a ``SecretKey`` of at most 64 characters, and becomes
ready once a subscribed field is added [D]. ``callout`` builds what Autotask would send: a JSON body with
``Action``, ``Guid``, ``EntityType`` and ``Id`` [secondary] and ``X-Hook-Signature: sha1=<Base64 HMAC-SHA1 of the
body>`` [D]; the simulator never calls out by itself.
"""

from __future__ import annotations

import base64
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from deskpulse.simulators.autotask_http import errors

REQUIRED = ("name", "webhookurl", "deactivationurl", "secretkey")


@dataclass
class SimTicketWebhook:
    """One registered ticket webhook and its subscribed field ids."""

    id: int
    name: str
    url: str
    secret: str
    guid: str
    active: bool
    fields: list[int] = field(default_factory=list)

    def item(self) -> dict[str, Any]:
        """The record as ``GET TicketWebhooks/{id}`` returns it (the secret is not echoed) [I]."""
        return {"id": self.id, "name": self.name, "webhookUrl": self.url, "webhookGUID": self.guid,
                "isActive": self.active, "isReady": bool(self.fields)}  # fmt: skip


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hook-Signature`` value for ``body``."""
    return "sha1=" + base64.b64encode(hmac.new(secret.encode(), body, "sha1").digest()).decode()


class AutotaskWebhooks:
    """The ticket webhooks of one simulated Autotask database."""

    def __init__(self) -> None:
        self.hooks: dict[int, SimTicketWebhook] = {}
        self._next_id = 0
        self._sequence = 0

    def callout(
        self, ticket_id: int, *, action: str = "Update", secret: str | None = None, **changed: Any
    ) -> tuple[dict[str, str], bytes]:
        """(headers, body) of the callout for ``ticket_id``, signed with ``secret`` (default: the first webhook's)."""
        hook = next(iter(self.hooks.values()), None)
        if secret is None:
            if hook is None:
                raise KeyError("no ticket webhook is registered")
            secret = hook.secret
        self._sequence += 1
        payload = {"Action": action, "Guid": hook.guid if hook else str(uuid.uuid4()), "EntityType": "Ticket",
                   "Id": ticket_id, "Fields": changed, "SequenceNumber": self._sequence}  # fmt: skip
        body = json.dumps(payload).encode()
        return {"Content-Type": "application/json", "X-Hook-Signature": sign(secret, body)}, body

    async def route(self, request: Request, rest: list[str]) -> Response:
        """Dispatch ``TicketWebhooks[/{id}[/Fields]]`` (path segments after the entity, lower-cased)."""
        if not rest and request.method == "POST":
            return self._create(await _json(request))
        if rest and rest[0].isdigit():
            hook = self.hooks.get(int(rest[0]))
            if rest[1:] == [] and request.method == "GET":
                return JSONResponse({"item": hook.item() if hook is not None else None})
            if rest[1:] == ["fields"] and request.method == "POST":
                if hook is None:
                    return errors(404, f"The TicketWebhook {rest[0]} does not exist.")
                return self._add_field(hook, await _json(request))
        return errors(405, "The requested HTTP method is not supported for this resource.")

    def _create(self, body: dict[str, Any]) -> Response:
        missing = [name for name in REQUIRED if not str(body.get(name) or "").strip()]
        if missing:
            return errors(400, f"{', '.join(missing)} is required.")
        if len(str(body["secretkey"])) > 64 or len(str(body["name"])) > 50:
            return errors(400, "SecretKey is limited to 64 characters and Name to 50.")
        self._next_id += 1
        self.hooks[self._next_id] = SimTicketWebhook(
            self._next_id, str(body["name"]), str(body["webhookurl"]), str(body["secretkey"]), str(uuid.uuid4()),
            bool(body.get("isactive", False)),
        )  # fmt: skip
        return JSONResponse({"itemId": self._next_id})

    def _add_field(self, hook: SimTicketWebhook, body: dict[str, Any]) -> Response:
        field_id = body.get("fieldid")
        if isinstance(field_id, bool) or not isinstance(field_id, int):
            return errors(400, "FieldID is required.")
        hook.fields.append(field_id)
        return JSONResponse({"itemId": hook.id * 1000 + len(hook.fields)})


async def _json(request: Request) -> dict[str, Any]:
    """The JSON object body with lower-cased keys (Autotask field names are case-insensitive)."""
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return {str(k).lower(): v for k, v in data.items()} if isinstance(data, dict) else {}
