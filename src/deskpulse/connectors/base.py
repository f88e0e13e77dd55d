"""What every connector shares: errors, the request budget, retries and paginators."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx2

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
MAX_RETRY_AFTER_SECONDS = 120.0


class ConnectorError(Exception):
    """A vendor call failed. ``permanent`` errors (bad credentials) need a person; others retry next cycle."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        # The vendor's decoded error body (JSON, else text) so callers can word a refusal field by field.
        self.body = body


class NotFoundError(ConnectorError):
    """The vendor answered 404 for a single object."""


class RequestBudget:
    """Client-side pacing that mirrors the vendor's published per-minute limit (a share of it).

    Pacing uses a rolling 60-second window of our own request times. When the vendor's
    ``x-ratelimit-remaining`` says the window is spent (another tool may share the token) the next request
    waits; when the vendor still answers 429 we wait out its Retry-After.
    """

    def __init__(self, per_minute: int, share: float = 1.0, *, clock: Clock = time.monotonic) -> None:
        self.limit = max(1, int(per_minute * share))
        self.vendor_limit = per_minute
        self.vendor_remaining: int | None = None
        self.requests_made = 0
        self._clock = clock
        self._sent: deque[float] = deque()

    def _trim(self, now: float) -> None:
        cutoff = now - 60.0
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()

    def wait_time(self) -> float:
        """Seconds to wait before the next request fits in the budget (0 when it fits now)."""
        now = self._clock()
        self._trim(now)
        if self.vendor_remaining is not None and self.vendor_remaining <= 0:
            # The vendor says the window is spent (another tool may share the token): wait for our oldest
            # request in the window to age out instead of walking into a 429.
            return max(1.0, self._sent[0] + 60.0 - now) if self._sent else 1.0
        if len(self._sent) < self.limit:
            return 0.0
        return max(0.0, self._sent[0] + 60.0 - now)

    async def acquire(self, sleep: Sleep) -> None:
        """Wait until one more request fits, then count it."""
        while (delay := self.wait_time()) > 0:
            await sleep(delay)
            # After waiting, the vendor's last "0 remaining" is out of date; the next response refreshes it.
            self.vendor_remaining = None
        self._sent.append(self._clock())
        self.requests_made += 1

    def observe(self, headers: Mapping[str, str]) -> None:
        """Read the vendor's rate-limit headers (``x-ratelimit-limit`` / ``-remaining``)."""
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is not None and remaining.strip().lstrip("-").isdigit():
            self.vendor_remaining = int(remaining)
        limit = headers.get("x-ratelimit-limit")
        if limit is not None and limit.strip().isdigit():
            self.vendor_limit = int(limit)

    @property
    def remaining(self) -> int:
        """Requests left in the current window by our own count, capped by what the vendor reported."""
        now = self._clock()
        self._trim(now)
        ours = self.limit - len(self._sent)
        return ours if self.vendor_remaining is None else min(ours, self.vendor_remaining)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse ``Retry-After`` given as seconds or as an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class Page:
    """One decoded page of a list endpoint."""

    items: list[dict[str, Any]]
    body: Any
    headers: Mapping[str, str]
    url: str


class Paginator(Protocol):
    """Strategy that finds the next page's URL from the current page (None = done)."""

    def next_url(self, page: Page) -> str | None: ...

    def items(self, body: Any) -> list[dict[str, Any]]: ...


class LinksNextPaginator:
    """Laravel-style ``{data, links:{next}}``: follow ``links.next`` until it is null or ``data`` is empty.

    Never relies on ``meta.last_page`` or ``meta.total``: Trengo's simple paginator has neither.
    """

    def items(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ConnectorError("unexpected list response: no 'data' array")
        return [item for item in body["data"] if isinstance(item, dict)]

    def next_url(self, page: Page) -> str | None:
        if not page.items:
            return None
        links = page.body.get("links") if isinstance(page.body, dict) else None
        nxt = links.get("next") if isinstance(links, dict) else None
        return nxt if isinstance(nxt, str) and nxt else None


class HttpClient:
    """JSON over HTTP for one source: auth headers, budget, bounded retries, clear errors."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        budget: RequestBudget,
        vendor: str,
        timeout: float = 20.0,
        max_retries: int = 4,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        max_pages: int = 20_000,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.vendor = vendor
        self.budget = budget
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_pages = max_pages
        self._sleep = sleep
        self._origin = urlsplit(self.base_url)[:2]
        self._client = httpx2.AsyncClient(headers=dict(headers), timeout=httpx2.Timeout(timeout), transport=transport)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            # Credentials travel only to the configured origin, never to a host named in a payload.
            if urlsplit(path_or_url)[:2] != self._origin:
                raise ConnectorError(f"{self.vendor} pointed to another host ({path_or_url}); refusing to follow")
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    async def request_json(
        self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None, json_body: Any = None
    ) -> tuple[Any, Mapping[str, str], str]:
        """Send one request (with retries on 429 and 5xx) and return (decoded body, headers, final url)."""
        url = self._url(path_or_url)
        attempt = 0
        while True:
            attempt += 1
            await self.budget.acquire(self._sleep)
            try:
                async with asyncio.timeout(self.timeout):
                    resp = await self._client.request(method, url, params=params, json=json_body)
                    body_bytes = await resp.aread()
            except (TimeoutError, httpx2.TimeoutException) as exc:
                raise ConnectorError(f"{self.vendor} did not answer within {self.timeout:g} s ({url})") from exc
            except httpx2.TransportError as exc:
                raise ConnectorError(f"cannot reach {self.vendor} at {url}: {exc}") from exc
            self.budget.observe(resp.headers)
            status = resp.status_code
            if status == 429 or status >= 500:
                if attempt > self.max_retries:
                    raise ConnectorError(
                        f"{self.vendor} answered HTTP {status} {attempt} times in a row ({url})",
                        status=status,
                    )
                wait = retry_after_seconds(resp.headers.get("retry-after"))
                if wait is None:
                    wait = min(30.0, 2.0 ** (attempt - 1))
                if wait > MAX_RETRY_AFTER_SECONDS:
                    raise ConnectorError(
                        f"{self.vendor} asked us to wait {wait:.0f} s (HTTP {status}); giving up this cycle",
                        status=status,
                    )
                await self._sleep(wait)
                self.budget.vendor_remaining = None  # Retry-After already covered the vendor's window
                continue
            if status in (401, 403):
                raise ConnectorError(
                    f"{self.vendor} rejected the credentials (HTTP {status}): {_vendor_message(body_bytes)}",
                    permanent=True,
                    status=status,
                    body=_decoded(body_bytes),
                )
            if status == 404:
                raise NotFoundError(f"{self.vendor} has no {url} (HTTP 404)", status=404, body=_decoded(body_bytes))
            if status >= 400:
                raise ConnectorError(
                    f"{self.vendor} refused the request (HTTP {status}): {_vendor_message(body_bytes)}",
                    status=status,
                    body=_decoded(body_bytes),
                )
            if not body_bytes:
                return None, resp.headers, str(resp.url)
            try:
                return json.loads(body_bytes), resp.headers, str(resp.url)
            except ValueError as exc:
                raise ConnectorError(
                    f"{self.vendor} sent a malformed JSON body ({len(body_bytes)} bytes) for {url}"
                ) from exc

    async def pages(
        self, path: str, paginator: Paginator, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[Page]:
        """Yield every page of a list endpoint; raises ConnectorError if any page fails."""
        url: str | None = path
        seen: set[str] = set()
        first = True
        while url is not None:
            if len(seen) >= self.max_pages:
                raise ConnectorError(f"{self.vendor} list {path} exceeded {self.max_pages} pages; stopping")
            body, headers, final_url = await self.request_json("GET", url, params=params if first else None)
            first = False
            seen.add(final_url)
            page = Page(items=paginator.items(body), body=body, headers=headers, url=final_url)
            yield page
            url = paginator.next_url(page)
            if url is not None and url in seen:
                raise ConnectorError(f"{self.vendor} pagination loops back to {url}")


def _decoded(body: bytes) -> Any:
    """An error body as JSON when it parses, else as (trimmed) text."""
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:2000]


def _vendor_message(body: bytes) -> str:
    """The vendor's own error sentence when the body carries one, else a trimmed body."""
    try:
        decoded = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return text[:200] or "no details given"
    if isinstance(decoded, dict):
        for key in ("message", "error", "description", "errors"):
            if decoded.get(key):
                return str(decoded[key])[:300]
    return str(decoded)[:200]
