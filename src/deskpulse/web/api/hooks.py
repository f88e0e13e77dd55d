"""Webhook receivers: ``POST /hooks/{trengo,autotask,freshservice}/{source}``.

They are public (vendors have no session or API key) and authenticate each callout by its signature or shared
secret instead. A callout is never taken as data: only the ticket ids are read from it, and those tickets are
then fetched from the vendor in the background (``hook_refresh.py``); the answer is an immediate 202. Refusals
are 401 with one sentence (and logged); a source that is unknown, of another kind or without a
``webhook_secret`` is 404. Signatures already accepted in the last 10 minutes are refused as replays.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel

from deskpulse.clock import utcnow
from deskpulse.config import AnySource, Config, SourceConfig, TicketSource
from deskpulse.connectors.autotask import webhooks as autotask_hooks
from deskpulse.connectors.autotask.settings import AutotaskSettings
from deskpulse.connectors.freshservice import webhooks as freshservice_hooks
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.trengo import webhooks as trengo_hooks
from deskpulse.connectors.webhook_support import WebhookRejected
from deskpulse.web.api.errors import error_responses
from deskpulse.web.auth import Public, client_ip
from deskpulse.web.hook_refresh import HookRefresher
from deskpulse.web.security.replay import ReplayGuard, replay_guard

log = logging.getLogger(__name__)
S = TypeVar("S", SourceConfig, AutotaskSettings, FreshserviceSettings)
router = APIRouter(tags=["webhooks"])
RESPONSES = error_responses(
    400, 413, described={
        401: "Missing, malformed, wrong, stale or replayed signature",
        404: "No such source of this kind, or webhooks are not enabled for it",
    },
)  # fmt: skip


class HookAccepted(BaseModel):
    """The callout was authentic; these tickets will be re-read from the vendor shortly."""

    accepted: bool
    tickets: list[str]


def refresher(request: Request) -> HookRefresher:
    """The app's refresher (created on first use)."""
    state = request.app.state
    found: HookRefresher | None = getattr(state, "webhooks", None)
    if found is None:
        found = state.webhooks = HookRefresher(state)
    return found


async def shutdown(app: FastAPI) -> None:
    """Finish (or cancel) queued refreshes and close their connectors and the replay guard's connection."""
    found: HookRefresher | None = getattr(app.state, "webhooks", None)
    if found is not None:
        await found.aclose()
    guard: ReplayGuard | None = getattr(app.state, "hook_replay", None)
    if guard is not None:
        await guard.aclose()


def _guard(request: Request) -> ReplayGuard:
    state = request.app.state
    guard: ReplayGuard | None = getattr(state, "hook_replay", None)
    if guard is None:
        guard = state.hook_replay = replay_guard(state.config.redis_url)
    return guard


def _source(request: Request, name: str, kind: str, model: type[S]) -> S:
    """The configured source ``name`` of ``kind`` with a webhook secret; 404 with a sentence otherwise."""
    config: Config = request.app.state.config
    try:
        source = config.source(name)
    except KeyError:
        raise HTTPException(404, f"There is no source named {name[:40]!r}.") from None
    if not isinstance(source, model):
        raise HTTPException(404, f"Source {name!r} is a {source.kind} source, not a {kind} one.")
    if source.webhook_secret is None:
        raise HTTPException(404, f"Webhooks are not enabled for source {name!r} (it has no webhook_secret).")
    return source


def _refuse(request: Request, source: AnySource, reason: str) -> HTTPException:
    log.warning("webhook for %s from %s refused: %s", source.name, client_ip(request), reason)
    return HTTPException(401, reason)


async def _accept(request: Request, source: TicketSource, replay_key: str | None, ids: list[str]) -> HookAccepted:
    """Refuse a replay, then queue the tickets for a refresh and answer."""
    if replay_key is not None and not await _guard(request).first_time(f"{source.name}:{replay_key}"):
        raise _refuse(request, source, "This callout was already received (a replay); it is ignored.")
    if ids:
        refresher(request).submit(source, ids)
    return HookAccepted(accepted=True, tickets=ids)


@router.post(
    "/hooks/trengo/{source}", status_code=202, response_model=HookAccepted, responses=RESPONSES, dependencies=[Public]
)
async def trengo_hook(request: Request, source: str) -> HookAccepted:
    """A Trengo callout (form-encoded), signed with ``Trengo-Signature: <unix time>;<HMAC-SHA256 hex>``."""
    cfg = _source(request, source, "trengo", SourceConfig)
    body = await request.body()
    header = request.headers.get(trengo_hooks.SIGNATURE_HEADER)
    try:
        key = trengo_hooks.verify(cfg.webhook_secret or [], header, body, now=utcnow().timestamp())
    except WebhookRejected as exc:
        raise _refuse(request, cfg, exc.message) from None
    return await _accept(request, cfg, key, trengo_hooks.ticket_ids(body))


@router.post(
    "/hooks/autotask/{source}", status_code=202, response_model=HookAccepted, responses=RESPONSES, dependencies=[Public]
)
async def autotask_hook(request: Request, source: str) -> HookAccepted:
    """An Autotask ticket callout (JSON), signed with ``X-Hook-Signature: sha1=<Base64 HMAC-SHA1>``."""
    cfg = _source(request, source, "autotask", AutotaskSettings)
    body = await request.body()
    try:
        key = autotask_hooks.verify(
            cfg.webhook_secret or "", request.headers.get(autotask_hooks.SIGNATURE_HEADER), body
        )
    except WebhookRejected as exc:
        raise _refuse(request, cfg, exc.message) from None
    return await _accept(request, cfg, key, autotask_hooks.ticket_ids(body))


@router.post(
    "/hooks/freshservice/{source}",
    status_code=202,
    response_model=HookAccepted,
    responses=RESPONSES,
    dependencies=[Public],
)
async def freshservice_hook(request: Request, source: str) -> HookAccepted:
    """A Freshservice Workflow Automator call (JSON ``{"ticket_id": "123"}``) with the ``X-Deskpulse-Secret`` header."""
    cfg = _source(request, source, "freshservice", FreshserviceSettings)
    try:
        freshservice_hooks.verify(cfg.webhook_secret or "", request.headers.get(freshservice_hooks.SECRET_HEADER))
    except WebhookRejected as exc:
        raise _refuse(request, cfg, exc.message) from None
    # The secret is static (nothing per call is signed), so there is nothing to tell a replay by.
    return await _accept(request, cfg, None, freshservice_hooks.ticket_ids(await request.body()))
