"""HTTP plumbing of the LibreNMS simulator: the v0 envelope, token auth, in-flight accounting, faults."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from deskpulse.simulators.faults import FaultController, json_error, server_error_response, truncated_response

Handler = Callable[[Request], Awaitable[Response]]
RequestLog = list[tuple[str, str, str]]


def api_success(name: str, data: Any, *, message: str | None = None, **extra: Any) -> JSONResponse:
    """``{"status":"ok", name: data, "message"?, "count"?, …extra}``; count is added for arrays [S]."""
    body: dict[str, Any] = {"status": "ok", name: data}
    if message is not None:
        body["message"] = message
    if isinstance(data, list):
        body["count"] = len(data)
    body.update(extra)
    return JSONResponse(body)


def api_error(status: int, message: str) -> JSONResponse:
    """``{"status":"error","message":…}`` with an HTTP code [S]."""
    return JSONResponse({"status": "error", "message": message}, status_code=status)


def no_device(hostname: str) -> JSONResponse:
    """The 404 for an unknown ``:hostname`` [S]."""
    return api_error(404, f"Device {hostname} does not exist")


def token_matches(request: Request, token: str) -> bool:
    """``X-Auth-Token: <token>`` [D], or ``Authorization: Bearer <token>`` as newer releases accept [D/I]."""
    given = request.headers.get("x-auth-token")
    if given is None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        given = value if scheme.lower() == "bearer" else None
    return given is not None and hmac.compare_digest(given.strip().encode(), token.encode())


@dataclass
class InFlight:
    """Requests being served right now, the peak, and the count each request saw when it started."""

    current: int = 0
    peak: int = 0
    samples: list[int] = field(default_factory=list)

    def enter(self) -> None:
        """A request starts being served."""
        self.current += 1
        self.peak = max(self.peak, self.current)
        self.samples.append(self.current)

    def leave(self) -> None:
        """A request has been answered."""
        self.current -= 1


def guarded(
    handler: Handler,
    *,
    token: str,
    faults: FaultController,
    flight: InFlight,
    log: RequestLog,
    latency_seconds: float,
    page_of: Callable[[Request], int] | None = None,
) -> Handler:
    """Wrap a handler with auth, latency, in-flight accounting and the shared fault modes."""

    async def endpoint(request: Request) -> Response:
        log.append((request.method, request.url.path, request.url.query))
        if not token_matches(request, token):
            # Laravel's token guard answers this for the v0 routes [C: quoted in client issue threads].
            return json_error(401, "Unauthenticated.")
        plan = None
        flight.enter()
        try:
            if latency_seconds > 0:
                await asyncio.sleep(latency_seconds)
            plan = faults.maybe_fault(request.url.path, page_of(request) if page_of else None)
            if plan is not None:
                if plan.mode == "rate_limit":
                    # v0 has no rate limit of its own [S]; a proxy in front of it may answer like this.
                    return json_error(429, "Too Many Attempts.", {"Retry-After": str(plan.retry_after)})
                if plan.mode == "server_error":
                    return server_error_response(plan.status)
                if plan.mode == "fail_on_page":
                    return server_error_response(500)
                if plan.mode == "timeout":
                    await asyncio.sleep(plan.delay_seconds)
            response = await handler(request)
        finally:
            flight.leave()
        if plan is not None and plan.mode == "truncated" and response.status_code == 200:
            return truncated_response(bytes(response.body))
        return response

    return endpoint


def int_param(request: Request, name: str, default: int) -> int:
    """A non-negative integer query parameter; anything unreadable is ``default`` (PHP casts the same way)."""
    raw = request.query_params.get(name)
    return int(raw) if raw is not None and raw.strip().isdigit() else default
