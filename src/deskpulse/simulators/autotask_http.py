"""HTTP plumbing of the Autotask simulator: header auth, error bodies, the hourly threshold and page links."""

from __future__ import annotations

import hmac
import json
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

API_PREFIX = "ATServicesRest/V1.0"  # zone url + "V1.0/" [C]
HOUR_LIMIT = 10_000  # [D] requests per rolling 60 minutes per database
PERMISSION_DENIED = "The logged in Resource does not have the adequate permissions to update this entity."  # [C]
NO_MATCH = "No matching records found."  # [C] quirk text for a missing record on a write


def errors(status: int, *messages: str, headers: Mapping[str, str] | None = None) -> Response:
    """The documented error body ``{"errors": [...]}`` [C]."""
    return JSONResponse({"errors": list(messages)}, status_code=status, headers=dict(headers or {}))


@dataclass(frozen=True, slots=True)
class ApiUser:
    """The three headers an integration sends [C]."""

    username: str
    secret: str
    integration_code: str

    def matches(self, request: Request) -> bool:
        """All three headers present and equal; UserName (an e-mail address) ignores case [I]."""
        headers = request.headers
        user = hmac.compare_digest(headers.get("UserName", "").lower().encode(), self.username.lower().encode())
        secret = hmac.compare_digest(headers.get("Secret", "").encode(), self.secret.encode())
        code = hmac.compare_digest(headers.get("ApiIntegrationCode", "").encode(), self.integration_code.encode())
        return user and secret and code


def unauthorized() -> Response:
    """401 for missing or wrong credentials [C]; the message text is [I]."""
    return errors(401, "User is not authorized to access this resource. Check UserName, Secret and ApiIntegrationCode.")


class HourWindow:
    """Requests per rolling hour for the whole database (every integration together) [D]."""

    def __init__(self, limit: int, clock: Callable[[], float], window_seconds: float = 3600.0) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._hits and self._hits[0] <= now - self.window_seconds:
            self._hits.popleft()

    def hit(self) -> tuple[bool, int]:
        """Count one request; (allowed, seconds until one slot frees when refused). Refusals are not counted [I]."""
        now = self._clock()
        with self._lock:
            self._trim(now)
            if len(self._hits) >= self.limit:
                return False, max(1, math.ceil(self._hits[0] + self.window_seconds - now))
            self._hits.append(now)
            return True, 0

    def spend(self, count: int) -> None:
        """Record ``count`` requests made by other integrations sharing the database (tests, demos)."""
        now = self._clock()
        with self._lock:
            self._hits.extend([now] * count)

    @property
    def used(self) -> int:
        """Requests in the current window."""
        with self._lock:
            self._trim(self._clock())
            return len(self._hits)

    def added_latency(self) -> float:
        """Seconds the vendor adds per call as usage grows: none below 50 %, then 0.5 s, 1 s from 75 % [D/I]."""
        usage = self.used / self.limit
        return 0.0 if usage < 0.5 else 0.5 if usage < 0.75 else 1.0

    def threshold_information(self) -> dict[str, int]:
        """``GET /V1.0/ThresholdInformation`` [C]."""
        return {
            "externalRequestThreshold": self.limit,
            "requestThresholdTimeframe": int(self.window_seconds // 60),
            "currentTimeframeRequestCount": self.used,
        }


# --------------------------------------------------------------------------- paging
def origin(request: Request, override: str | None = None) -> str:
    """``scheme://host[:port]`` the client used (or the configured override)."""
    if override:
        return override.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def next_page_url(base: str, entity: str, search: Any, *, after_id: int, page: int, size: int) -> str:
    """An absolute URL that carries the whole query, so GET and POST (with or without a body) both work [I]."""
    paging = json.dumps({"pageSize": size, "afterId": after_id, "page": page}, separators=(",", ":"))
    query = urlencode({"paging": paging, "search": json.dumps(search, separators=(",", ":"))})
    return f"{base}/{API_PREFIX}/{entity}/query/next?{query}"


def read_paging(raw: str | None) -> tuple[int, int, int] | None:
    """(after_id, page, page size) out of a ``paging`` parameter; None when malformed."""
    try:
        data = json.loads(raw or "")
        after, page, size = int(data["afterId"]), int(data["page"]), int(data["pageSize"])
    except (ValueError, TypeError, KeyError):
        return None
    return after, page, size


def page_body(items: list[dict[str, Any]], size: int, next_url: str | None) -> dict[str, Any]:
    """The response envelope [C]."""
    details = {"count": len(items), "requestCount": size, "prevPageUrl": None, "nextPageUrl": next_url}
    return {"items": items, "pageDetails": details}
