"""Request-size and request-rate limits, as pure ASGI middleware so streamed responses (SSE) pass untouched."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deskpulse.web.security._asgi import header, presented_api_key, route_path, send_json

log = logging.getLogger(__name__)
Clock = Callable[[], float]
# POSTs that check a secret typed by a person: /login, /login/totp, /password-reset[/token], /setup/{token}.
LOGIN_PREFIXES = ("/login", "/password-reset", "/setup/")


class RequestBodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit; FastAPI renders it as a 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, body_too_large(max_bytes))


def body_too_large(max_bytes: int) -> str:
    """The 413 message."""
    return f"Request body too large (max {max_bytes} bytes)."


class BodyLimitMiddleware:
    """Refuses request bodies over ``max_body_bytes`` with 413.

    A declared ``Content-Length`` is refused before anything is read; a body without one (chunked) is counted as
    the app reads it, and the read that crosses the limit raises :class:`RequestBodyTooLarge`.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_body_bytes:
            await send_json(send, 413, body_too_large(self.max_body_bytes))
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise RequestBodyTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestBodyTooLarge:
            # FastAPI turns the exception into a 413 itself; this covers plain ASGI apps and other middleware.
            if started:
                raise
            await send_json(send, 413, body_too_large(self.max_body_bytes))


@dataclass(slots=True)
class _Window:
    start: float
    count: int = 0


class FixedWindowLimiter:
    """At most ``limit`` hits per key in each ``window`` seconds, counted from the key's first hit.

    Fixed windows are simple and give an exact Retry-After; the price is that a client can fit up to twice the
    limit into a short span straddling two windows. Memory is bounded: windows that ended are dropped as the
    limiter is used, and beyond ``max_keys`` the least recently seen key is forgotten.
    """

    def __init__(self, limit: int, window: float = 60.0, *, clock: Clock = time.monotonic, max_keys: int = 20_000):
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    def count(self, key: str) -> int:
        """Hits counted for ``key`` in its current window (refused ones included)."""
        current = self._windows.get(key)
        return current.count if current else 0

    def hit(self, key: str) -> float:
        """Count one request for ``key``: 0.0 when allowed, else the seconds until its window ends."""
        now = self.clock()
        current = self._windows.get(key)
        if current is None or now - current.start >= self.window:
            current = self._windows[key] = _Window(now)
        self._windows.move_to_end(key)
        self._evict(now)
        current.count += 1
        if current.count <= self.limit:
            return 0.0
        return max(current.start + self.window - now, 0.001)

    def _evict(self, now: float) -> None:
        # Oldest-seen first: stop at the first window still running (later keys were seen more recently).
        while self._windows:
            oldest = next(iter(self._windows.values()))
            if now - oldest.start < self.window and len(self._windows) <= self.max_keys:
                break
            self._windows.popitem(last=False)


class RateLimitMiddleware:
    """Per-client request limits: ``/api/`` per API key (else per address), sign-in POSTs per address.

    Sign-in covers every POST under ``login_prefixes`` (password, TOTP code, password reset, first-admin setup):
    one shared, tighter budget per address slows guessing and reset-mail flooding.

    API keys are bucketed by their SHA-256, never kept or logged in clear. The counts live in this process: with
    several web processes (``--workers``) each counts separately, so the effective limit is multiplied. Behind a
    reverse proxy every client shares the proxy's address unless the server is told to trust forwarded headers
    (``uvicorn --proxy-headers --forwarded-allow-ips=...``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_per_minute: int,
        login_per_minute: int = 20,
        api_prefix: str = "/api/",
        login_prefixes: Iterable[str] = LOGIN_PREFIXES,
        clock: Clock = time.monotonic,
        max_keys: int = 20_000,
    ) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.login_prefixes = tuple(login_prefixes)
        self.api = FixedWindowLimiter(api_per_minute, clock=clock, max_keys=max_keys)
        self.login = FixedWindowLimiter(login_per_minute, clock=clock, max_keys=max_keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            retry_after = self._check(scope)
            if retry_after:
                seconds = math.ceil(retry_after)
                await send_json(
                    send, 429, f"Too many requests; retry in {seconds} s.", headers={"Retry-After": str(seconds)}
                )
                return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope) -> float:
        path = route_path(scope)
        address = scope["client"][0] if scope.get("client") else "unknown"
        if scope["method"] == "POST" and path.startswith(self.login_prefixes):
            # Per address only: presenting a made-up API key must not buy a fresh password-guessing budget.
            return self._hit(self.login, f"addr:{address}", f"login from {address}")
        if path.startswith(self.api_prefix) or path == self.api_prefix.rstrip("/"):
            key = presented_api_key(scope)
            if key is not None:
                digest = hashlib.sha256(key.encode()).hexdigest()
                return self._hit(self.api, f"key:{digest}", f"API key used from {address}")
            return self._hit(self.api, f"addr:{address}", f"API from {address}")
        return 0.0

    @staticmethod
    def _hit(limiter: FixedWindowLimiter, key: str, who: str) -> float:
        retry_after = limiter.hit(key)
        if retry_after and limiter.count(key) == limiter.limit + 1:
            log.warning("rate limit of %d/min reached: %s", limiter.limit, who)  # once per window, not per request
        return retry_after
