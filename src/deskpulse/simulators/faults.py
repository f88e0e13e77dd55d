"""Fault injection shared by the vendor simulators (Trengo now, Freshservice/Autotask later).

A :class:`FaultPlan` says *what* goes wrong; :class:`FaultController` decides, request by request,
whether the plan applies and counts down ``remaining``. Turning a decision into bytes on the wire is
done by the helpers at the bottom so every simulator fails in the same, recognisable ways.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

FAULT_MODES: frozenset[str] = frozenset({"none", "rate_limit", "server_error", "timeout", "truncated", "fail_on_page"})
SERVER_ERROR_STATUSES: frozenset[int] = frozenset({500, 502, 503, 504})


@dataclass
class FaultPlan:
    """What the next requests should suffer; ``remaining=None`` means until cleared."""

    mode: str = "none"
    remaining: int | None = None
    page: int | None = None
    retry_after: int = 2
    delay_seconds: float = 30.0
    status: int = 500

    def __post_init__(self) -> None:
        # Validate eagerly: a typo in a demo control call should fail loudly, not silently do nothing.
        if self.mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; expected one of {sorted(FAULT_MODES)}")
        if self.remaining is not None and self.remaining < 0:
            raise ValueError("remaining must be >= 0 or None")
        if self.mode == "fail_on_page" and (self.page is None or self.page < 1):
            raise ValueError("fail_on_page needs page >= 1")
        if self.mode == "server_error" and self.status not in SERVER_ERROR_STATUSES:
            raise ValueError(f"server_error status must be one of {sorted(SERVER_ERROR_STATUSES)}")
        if self.retry_after < 0 or self.delay_seconds < 0:
            raise ValueError("retry_after and delay_seconds must be >= 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        """Build a plan from a JSON object, rejecting unknown keys."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown FaultPlan fields: {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as a JSON-serialisable dict."""
        return dataclasses.asdict(self)


class FaultController:
    """Holds the active :class:`FaultPlan` and decides per request whether it fires."""

    def __init__(self) -> None:
        # asyncio alone would not need a lock, but the demo may poke the controller from another
        # thread (uvicorn in a background thread, control calls from the test thread).
        self._lock = threading.Lock()
        self._plan = FaultPlan()
        self.fired = 0

    @property
    def plan(self) -> FaultPlan:
        """A copy of the active plan (mode "none" when nothing is set)."""
        with self._lock:
            return dataclasses.replace(self._plan)

    def set(self, plan: FaultPlan) -> None:
        """Activate ``plan``, replacing any previous one."""
        with self._lock:
            self._plan = dataclasses.replace(plan)

    def clear(self) -> None:
        """Deactivate all faults."""
        with self._lock:
            self._plan = FaultPlan()

    def maybe_fault(self, request_path: str, page: int | None) -> FaultPlan | None:
        """Return a snapshot of the plan if it applies to this request (and count it), else None.

        ``page`` is the requested page for paginated list endpoints that ``fail_on_page`` targets,
        and None for every other request, so ``fail_on_page`` never hits them.
        """
        with self._lock:
            plan = self._plan
            if plan.mode == "none":
                return None
            if plan.remaining is not None and plan.remaining <= 0:
                self._plan = FaultPlan()
                return None
            if plan.mode == "fail_on_page" and (page is None or page != plan.page):
                return None
            snapshot = dataclasses.replace(plan)
            self.fired += 1
            if plan.remaining is not None:
                plan.remaining -= 1
                if plan.remaining == 0:
                    # Self-clearing: the next request after the last faulted one is healthy.
                    self._plan = FaultPlan()
            return snapshot


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A Laravel-style ``{"message": ...}`` JSON error response."""
    body = json.dumps({"message": message}).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


_HTML_ERRORS: dict[int, str] = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


def server_error_response(status: int, headers: dict[str, str] | None = None) -> Response:
    """A 5xx as the vendor's edge would send it: JSON from the app for 500, HTML from the proxy otherwise."""
    if status == 500:
        return json_error(500, "Server Error", headers)
    # 502/503/504 come from the load balancer in front of the app, which answers in HTML; clients
    # must not assume an error body is JSON.
    title = _HTML_ERRORS.get(status, f"{status} Error")
    html = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
    html += "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    return Response(html.encode(), status_code=status, media_type="text/html", headers=headers)


def truncated_response(body: bytes, headers: dict[str, str] | None = None) -> Response:
    """A 200 JSON response whose body is cut mid-way, so it is never valid JSON."""
    # Cut at half, but always drop at least the final byte so even "[]" or "{}" become invalid.
    cut = min(len(body) // 2, max(len(body) - 1, 0))
    return Response(body[:cut], status_code=200, media_type="application/json", headers=headers)
