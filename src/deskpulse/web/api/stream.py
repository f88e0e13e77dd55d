"""GET /api/stream: Server-Sent Events of what changed, scoped to the caller, with Last-Event-ID replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from deskpulse.live.events import TOPICS, LiveEvent, Viewer, comment
from deskpulse.live.hub import Hub, Subscription
from deskpulse.web.api.errors import api_errors
from deskpulse.web.auth import Reader

router = APIRouter(tags=["live"])
HEARTBEAT_SECONDS = 15.0
# A stream is ended after this long; EventSource reconnects at once with Last-Event-ID and misses nothing.
# Bounded streams keep proxies and load balancers honest and spread clients over restarted processes.
MAX_STREAM_SECONDS = 600.0
RETRY_MS = 3000
RESET = "event: reset\ndata: {}\n\n"
BYE = "event: bye\ndata: {}\n\n"


def parse_topics(raw: str | None) -> frozenset[str]:
    """``tickets,metrics`` -> the set; every topic when omitted; 400 naming an unknown one."""
    if raw is None or not raw.strip():
        return TOPICS
    wanted = frozenset(t.strip() for t in raw.split(",") if t.strip())
    unknown = sorted(wanted - TOPICS)
    if unknown:
        known = ", ".join(sorted(TOPICS))
        raise HTTPException(status_code=400, detail=f"Unknown topic(s) {', '.join(unknown)}; topics: {known}.")
    return wanted


def parse_last_id(raw: str | None) -> int:
    """The Last-Event-ID header (or ``lastEventId``): a non-negative integer; 400 otherwise."""
    if raw is None or raw == "":
        return 0
    if not raw.isdigit():
        raise HTTPException(status_code=400, detail="Last-Event-ID must be a whole number.")
    return int(raw)


async def events_for(
    request: Request, hub: Hub, sub: Subscription, viewer: Viewer, last_id: int, heartbeat: float, limit: float
) -> AsyncIterator[str]:
    """The stream: retry hint, replay (or a reset), then live events and heartbeats until either side ends
    or ``limit`` seconds have passed."""
    deadline = asyncio.get_running_loop().time() + limit
    yield f"retry: {RETRY_MS}\n\n"
    sent = last_id
    replay = hub.since(last_id)
    if replay is None:
        yield RESET  # some events are gone: the page reloads its data, then follows the stream again
    else:
        for event in replay:
            sent = event.id
            if viewer.wants(event):
                yield event.sse()
    loop = asyncio.get_running_loop()
    while (left := deadline - loop.time()) > 0:
        try:
            item: LiveEvent | None = await asyncio.wait_for(sub.queue.get(), timeout=min(heartbeat, left))
        except TimeoutError:
            if await request.is_disconnected():
                return
            if loop.time() < deadline:
                yield comment("heartbeat")
            continue
        if item is None:
            yield BYE
            return
        if sub.overflowed:  # this stream fell behind: skip to now and let the page reload
            sub.overflowed = False
            newest = item
            while not sub.queue.empty():
                queued = sub.queue.get_nowait()
                if queued is None:
                    yield BYE
                    return
                newest = queued
            sent = max(sent, newest.id)
            yield f"id: {sent}\n{RESET}"
            continue
        if item.id <= sent:
            continue  # already sent during the replay
        sent = item.id
        if viewer.wants(item):
            yield item.sse()


@router.get(
    "/api/stream",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "An event stream"},
        **api_errors(described={404: "source names no configured source", 503: "The server is shutting down"}),
    },
)
async def stream(
    request: Request,
    principal: Reader,
    topics: Annotated[
        str | None, Query(description="Comma-separated: tickets, metrics, alerts, sources, uptime")
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    lastEventId: Annotated[str | None, Query(description="Same as the Last-Event-ID header")] = None,
) -> StreamingResponse:
    """Events as they happen (one stream per tab): ``tickets``, ``metrics``, ``alerts``, ``sources``, ``uptime``."""
    viewer = Viewer(principal.client_ids, parse_topics(topics))
    last_id = parse_last_id(last_event_id if last_event_id is not None else lastEventId)
    hub: Hub = request.app.state.hub
    if hub.closed:
        raise HTTPException(status_code=503, detail="The server is shutting down; reconnect in a moment.")
    sub = hub.subscribe()
    heartbeat = getattr(request.app.state, "live_heartbeat_seconds", HEARTBEAT_SECONDS)
    limit = getattr(request.app.state, "live_max_stream_seconds", MAX_STREAM_SECONDS)

    async def body() -> AsyncIterator[str]:
        try:
            async for chunk in events_for(request, hub, sub, viewer, last_id, heartbeat, limit):
                yield chunk
        finally:
            hub.unsubscribe(sub)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
