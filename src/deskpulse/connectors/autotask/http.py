"""Requests to one Autotask database: zone, auth headers, hourly budget, thread limit, retries and write errors.

Reads go through the shared ``HttpClient`` (429 Retry-After, 5xx backoff, bounded). Writes are sent once: a 500
on a write may be a refusal in disguise (the permission quirk [C]) and repeating a POST could add a note twice;
only a 429, which means "not processed", is waited out and repeated.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2

from deskpulse.connectors.autotask.budget import HourlyBudget
from deskpulse.connectors.autotask.settings import AutotaskSettings
from deskpulse.connectors.autotask.zone import ZoneResolver
from deskpulse.connectors.base import (
    MAX_RETRY_AFTER_SECONDS,
    Clock,
    ConnectorError,
    HttpClient,
    Sleep,
    retry_after_seconds,
)

VENDOR = "Autotask"
DEFAULT_RETRY_AFTER = 60.0  # [C] go-autotask's default when a 429 carries no Retry-After
SLOW_CALL_SECONDS = 1.0  # [I] average latency that counts as "the vendor is adding delay"
PERMISSION_TEXT = "does not have the adequate permissions"  # [C] the 500-for-permission quirk


class WriteRejected(ConnectorError):
    """Autotask refused a write; ``errors`` holds its messages, ``permission`` marks the 500 quirk."""

    def __init__(self, message: str, *, status: int, errors: list[str]) -> None:
        super().__init__(message, permanent=False, status=status)
        self.errors = errors
        self.permission = any(PERMISSION_TEXT in e.lower() for e in errors)


def vendor_errors(content: bytes) -> list[str] | None:
    """Messages of an ``{"errors": [...]}`` body (strings or ``{message, field}`` objects [C]); None otherwise."""
    try:
        body = json.loads(content)
    except ValueError:
        return None
    items = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return None
    found: list[str] = []
    for item in items:
        if isinstance(item, dict):
            message, field = item.get("message"), item.get("field")
            found.append(f"{field}: {message}" if field else str(message))
        else:
            found.append(str(item))
    return found


def _trimmed(content: bytes) -> list[str]:
    text = content.decode("utf-8", "replace").strip()
    return [text[:200]] if text else []


def origin_of(url: str) -> tuple[str, str]:
    """(scheme, host[:port]) lower-cased with the default port dropped, for same-origin checks."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, host if port in (None, default) else f"{host}:{port}"


def endpoint_of(path_or_url: str) -> str:
    """The entity a request addresses (``tickets`` for ``.../V1.0/Tickets/query``), for the thread limit."""
    segments = [s.lower() for s in urlsplit(path_or_url).path.split("/") if s]
    if "v1.0" in segments:
        segments = segments[segments.index("v1.0") + 1 :]
    return segments[0] if segments else ""


class LatencyWatch:
    """Average duration of the last few calls; slow averages make the budget pause between calls [D/I]."""

    def __init__(self, size: int = 10) -> None:
        self._recent: deque[float] = deque(maxlen=size)

    def record(self, seconds: float) -> None:
        """Add one call's duration."""
        self._recent.append(max(0.0, seconds))

    @property
    def average(self) -> float:
        """Mean of the recent durations (0 when none)."""
        return sum(self._recent) / len(self._recent) if self._recent else 0.0

    @property
    def slow(self) -> bool:
        """True when at least three calls averaged SLOW_CALL_SECONDS or more."""
        return len(self._recent) >= 3 and self.average >= SLOW_CALL_SECONDS


class AutotaskHttp:
    """One database's HTTP: resolves the zone lazily, re-resolves it once on a 401, keeps the limits."""

    def __init__(
        self,
        cfg: AutotaskSettings,
        *,
        budget: HourlyBudget,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.budget = budget
        self.sleep: Sleep = sleep if sleep is not None else asyncio.sleep
        self.slept = 0.0  # seconds spent in our own waits (budget, Retry-After), left out of latency
        self.latency = LatencyWatch()
        self.slow_since_threshold = False
        self._transport = transport
        self._monotonic = monotonic
        self.zones = None if cfg.base_url else ZoneResolver(
            cfg.zone_lookup_url, cfg.username, sleep=self.sleep, timeout=cfg.timeout_seconds, transport=transport,
            monotonic=monotonic,
        )  # fmt: skip
        self.web_url: str | None = None
        self._base: str | None = None
        self._http: HttpClient | None = None
        self._foreign: dict[tuple[str, str], HttpClient] = {}
        self._raw = httpx2.AsyncClient(timeout=httpx2.Timeout(cfg.timeout_seconds), transport=transport)
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def _wait(self, seconds: float) -> None:
        self.slept += seconds
        await self.sleep(seconds)

    def auth_headers(self, *, write: bool = False) -> dict[str, str]:
        """The three credential headers [C], plus impersonation on writes when configured."""
        headers = {
            "ApiIntegrationCode": self.cfg.integration_code, "UserName": self.cfg.username, "Secret": self.cfg.secret,
            "Content-Type": "application/json", "Accept": "application/json", "User-Agent": "deskpulse",
        }  # fmt: skip
        if write and self.cfg.impersonation_resource_id is not None:
            headers["ImpersonationResourceId"] = str(self.cfg.impersonation_resource_id)
        return headers

    async def base(self) -> str:
        """The API base (``.../ATServicesRest/V1.0``): configured, or the (cached) zone's."""
        if self.zones is None:
            assert self.cfg.base_url is not None
            return self.cfg.base_url
        zone = await self.zones.zone()
        self.web_url = zone.web_url
        return zone.api_base

    async def _client(self) -> HttpClient:
        base = await self.base()
        if self._http is None or base != self._base:
            if self._http is not None:
                await self._http.aclose()
            self._base = base
            self._http = HttpClient(
                base_url=base, headers=self.auth_headers(), budget=self.budget, vendor=VENDOR,
                timeout=self.cfg.timeout_seconds, max_retries=self.cfg.max_retries, transport=self._transport,
                sleep=self._wait,
            )  # fmt: skip
        return self._http

    def _follow(self, http: HttpClient, url: str) -> tuple[HttpClient, str]:
        """Which client sends ``url``: ours (with credentials) on our origin, an anonymous one elsewhere [C]."""
        if origin_of(url) == origin_of(http.base_url):
            # Same origin but maybe spelled differently (host case, explicit port): use our spelling.
            ours = urlsplit(http.base_url)
            return http, urlunsplit(urlsplit(url)._replace(scheme=ours.scheme, netloc=ours.netloc))
        key = origin_of(url)
        foreign = self._foreign.get(key)
        if foreign is None:
            parts = urlsplit(url)
            foreign = HttpClient(
                base_url=f"{parts.scheme}://{parts.netloc}", headers={"Accept": "application/json"},
                budget=self.budget, vendor=VENDOR, timeout=self.cfg.timeout_seconds,
                max_retries=self.cfg.max_retries, transport=self._transport, sleep=self._wait,
            )  # fmt: skip
            self._foreign[key] = foreign
        return foreign, url

    @asynccontextmanager
    async def _slot(self, path_or_url: str) -> AsyncIterator[None]:
        """At most ``max_concurrent_per_endpoint`` requests in flight per endpoint [D]."""
        key = endpoint_of(path_or_url)
        slot = self._slots.setdefault(key, asyncio.Semaphore(self.cfg.max_concurrent_per_endpoint))
        async with slot:
            yield

    async def _rezone(self) -> bool:
        """After a 401: look the zone up again; True when it moved (worth one more try) [C]."""
        if self.zones is None:
            return False
        before = self._base
        self.zones.invalidate()
        return await self.base() != before

    def _observe_latency(self, seconds: float) -> None:
        self.latency.record(seconds)
        slow = self.latency.slow
        self.budget.latency_pause = min(self.latency.average, 2.0) if slow else 0.0
        self.slow_since_threshold = self.slow_since_threshold or slow

    async def read(
        self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None
    ) -> Any:
        """One read (GET, or a POST query) with the shared retries; returns the decoded body."""
        for attempt in (1, 2):
            http = await self._client()
            client, target = (http, path_or_url)
            if path_or_url.startswith(("http://", "https://")):
                client, target = self._follow(http, path_or_url)
            async with self._slot(target):
                started, slept = self._monotonic(), self.slept
                try:
                    body, _, _ = await client.request_json(method, target, params=params, json_body=json_body)
                except ConnectorError as exc:
                    if exc.status == 401 and client is not http:
                        raise ConnectorError(
                            f"Autotask's next page is on another host ({urlsplit(target).netloc}), which refused it "
                            "without credentials; deskpulse sends them only to its own Autotask zone",
                            permanent=True,
                            status=401,
                        ) from exc
                    if exc.status == 401 and attempt == 1 and await self._rezone():
                        continue
                    raise
                self._observe_latency(self._monotonic() - started - (self.slept - slept))
            return body
        raise AssertionError("unreachable")  # pragma: no cover

    async def write(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        """One write, sent once (429 excepted); raises WriteRejected with Autotask's messages when refused."""
        rezoned = False
        attempt = 0
        while True:
            attempt += 1
            await self._client()
            url = f"{self._base}/{path.lstrip('/')}"
            await self.budget.acquire(self._wait)
            async with self._slot(url):
                try:
                    async with asyncio.timeout(self.cfg.timeout_seconds):
                        resp = await self._raw.request(
                            method, url, json=dict(body), headers=self.auth_headers(write=True)
                        )
                        content = await resp.aread()
                except (TimeoutError, httpx2.TimeoutException) as exc:
                    raise ConnectorError(
                        f"Autotask did not answer the write within {self.cfg.timeout_seconds:g} s; read the ticket "
                        "back to see whether it was applied"
                    ) from exc
                except httpx2.TransportError as exc:
                    raise ConnectorError(f"cannot reach Autotask at {url}: {exc}") from exc
            status = resp.status_code
            if status == 429:
                wait = retry_after_seconds(resp.headers.get("retry-after"))
                wait = DEFAULT_RETRY_AFTER if wait is None else wait
                if attempt > self.cfg.max_retries or wait > MAX_RETRY_AFTER_SECONDS:
                    raise ConnectorError(f"Autotask kept answering HTTP 429 to a write ({url})", status=429)
                await self._wait(wait)
                continue
            if status == 401 and not rezoned:
                rezoned = True
                if await self._rezone():
                    continue
            errors = vendor_errors(content)
            if status == 401:
                detail = "; ".join(errors or _trimmed(content)) or "no details given"
                raise ConnectorError(
                    f"Autotask rejected the credentials (HTTP 401): {detail}", permanent=True, status=401
                )
            if status >= 500 and errors is None:
                # An HTML page from the load balancer, not the application's answer: the outcome is unknown.
                raise ConnectorError(
                    f"Autotask answered HTTP {status} to the write without a reason; read the ticket back to see "
                    "whether it was applied",
                    status=status,
                )
            if status >= 400:
                raise _rejected(status, errors if errors is not None else _trimmed(content))
            try:
                return json.loads(content) if content else None
            except ValueError as exc:
                raise ConnectorError(f"Autotask sent a malformed JSON body for a write to {url}") from exc

    async def aclose(self) -> None:
        """Close every pool."""
        for client in [self._http, *self._foreign.values()]:
            if client is not None:
                await client.aclose()
        if self.zones is not None:
            await self.zones.aclose()
        await self._raw.aclose()


def _rejected(status: int, errors: list[str]) -> WriteRejected:
    detail = "; ".join(errors) or "no details given"
    if any(PERMISSION_TEXT in e.lower() for e in errors):
        message = (
            f"Autotask refused the write: the API user lacks permission (HTTP {status}, which Autotask also uses "
            f"for permission failures): {detail}"
        )
    else:
        message = f"Autotask refused the write (HTTP {status}): {detail}"
    return WriteRejected(message, status=status, errors=errors)
