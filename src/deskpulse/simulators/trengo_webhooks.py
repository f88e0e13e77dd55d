"""Webhooks in the Trengo simulator: ``POST /webhooks``, ``DELETE /webhooks/{id}`` and signed callouts.

Registration answers with the webhook's ``id`` and its own ``signing_secret`` [C]. ``callout`` builds what Trengo
would send for a ticket event (form-encoded body, ``Trengo-Signature: <unix ts>;<hex HMAC-SHA256 of
"<ts>.<body>">`` [D]) so tests can post it to a receiver in-process; ``deliver`` really sends it to every webhook
registered for the event (only when called: the simulator never calls out by itself).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from deskpulse.simulators.faults import json_error

Handler = Callable[[Request], Awaitable[Response]]
# The documented event types [D], plus the two only the payload page lists [D].
EVENT_TYPES = frozenset({
    "INBOUND", "OUTBOUND", "NOTE", "TICKET_LABEL_ADDED", "TICKET_LABEL_DELETED", "TICKET_ASSIGNED", "TICKET_CLOSED",
    "TICKET_REOPENED", "TICKET_MARKED_AS_SPAM", "TICKET_UNMARKED_AS_SPAM", "TICKET_CREATED", "TICKET_MERGED",
    "VOICE_CALL_STARTED", "VOICE_CALL_ENDED",
})  # fmt: skip


@dataclass
class SimWebhook:
    """One registered webhook."""

    id: int
    name: str
    type: str
    url: str
    signing_secret: str


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``Trengo-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{timestamp};{digest}"


class TrengoWebhooks:
    """The registered webhooks of one simulated Trengo account."""

    def __init__(self) -> None:
        self.hooks: dict[int, SimWebhook] = {}
        self._next_id = 5000
        # (url, status) of every delivery attempt, for tests and the demo.
        self.deliveries: list[tuple[str, int]] = []

    def create(self, *, name: str, type: str, url: str) -> SimWebhook:
        """Register a webhook with a fresh signing secret."""
        self._next_id += 1
        hook = SimWebhook(self._next_id, name, type, url, secrets.token_hex(20))
        self.hooks[hook.id] = hook
        return hook

    def callout(
        self, event: str, ticket_id: int, *, secret: str | None = None, at: float | None = None, **fields: Any
    ) -> tuple[dict[str, str], bytes]:
        """(headers, body) of the callout for ``event`` on ``ticket_id``, signed with ``secret`` (default: the
        first webhook registered for ``event``) at ``at`` (default: now)."""
        if secret is None:
            hook = next((h for h in self.hooks.values() if h.type == event), None)
            if hook is None:
                raise KeyError(f"no webhook is registered for {event}")
            secret = hook.signing_secret
        body = urlencode({"ticket_id": str(ticket_id), **{k: str(v) for k, v in fields.items()}}).encode()
        stamp = int(time.time() if at is None else at)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Trengo-Signature": sign(secret, body, stamp)}
        return headers, body

    async def deliver(
        self, event: str, ticket_id: int, *, transport: httpx2.AsyncBaseTransport | None = None
    ) -> list[int]:
        """POST the callout to every webhook registered for ``event``; returns the HTTP statuses."""
        statuses: list[int] = []
        async with httpx2.AsyncClient(transport=transport, timeout=httpx2.Timeout(10.0)) as client:
            for hook in [h for h in self.hooks.values() if h.type == event]:
                headers, body = self.callout(event, ticket_id, secret=hook.signing_secret)
                try:
                    status = (await client.post(hook.url, content=body, headers=headers)).status_code
                except httpx2.TransportError:
                    status = 0
                self.deliveries.append((hook.url, status))
                statuses.append(status)
        return statuses

    def handlers(self) -> tuple[Handler, Handler]:
        """The (create, delete) endpoint handlers, to be wrapped like every other API route."""

        async def create(request: Request) -> Response:
            body = await request_fields(request)
            errors: dict[str, list[str]] = {}
            if str(body.get("type", "")) not in EVENT_TYPES:
                errors["type"] = ["The selected type is invalid."]
            if not str(body.get("url", "")).startswith(("http://", "https://")):
                errors["url"] = ["The url format is invalid."]
            if not str(body.get("name", "")).strip():
                errors["name"] = ["The name field is required."]
            if errors:
                return JSONResponse({"message": "The given data was invalid.", "errors": errors}, status_code=422)
            hook = self.create(name=str(body["name"]), type=str(body["type"]), url=str(body["url"]))
            return JSONResponse(asdict(hook), status_code=201)  # [I] status and shape beyond id/signing_secret

        async def delete(request: Request) -> Response:
            if self.hooks.pop(request.path_params["webhook_id"], None) is None:
                return json_error(404, "No query results for model [App\\Webhook].")
            return Response(status_code=204)

        return create, delete


async def request_fields(request: Request) -> dict[str, Any]:
    """The request body as a dict, from JSON or a form post (Trengo accepts both)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}
