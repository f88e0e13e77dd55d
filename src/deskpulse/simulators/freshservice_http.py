"""HTTP plumbing of the Freshservice simulator: rate-limit budget, Basic auth, paging, error bodies."""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

DEFAULT_PER_PAGE, MAX_PER_PAGE = 30, 100  # [D]

# [D] per-minute limits: total, List All Tickets, View/Create/Update Ticket, List Agents/Requesters.
PLAN_LIMITS: dict[str, dict[str, int]] = {
    "starter": {"total": 100, "list_tickets": 40, "view_ticket": 50, "list_people": 40},
    "growth": {"total": 200, "list_tickets": 70, "view_ticket": 80, "list_people": 70},
    "pro": {"total": 400, "list_tickets": 120, "view_ticket": 140, "list_people": 120},
    "enterprise": {"total": 500, "list_tickets": 140, "view_ticket": 160, "list_people": 140},
}


class MinuteBudget:
    """Account-wide credits per fixed 60 s window, with per-operation sub-limits [D]."""

    def __init__(self, limits: dict[str, int], clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._start: float | None = None
        self._used: dict[str, int] = {}

    def spend(self, category: str | None, cost: int) -> tuple[bool, int, int]:
        """Charge ``cost`` credits; return (allowed, total remaining, seconds until the window resets)."""
        now = self._clock()
        with self._lock:
            if self._start is None or now - self._start >= 60:
                # [I] fixed window opened by the first call; the real boundary is not documented.
                self._start, self._used = now, {}
            reset_in = max(1, math.ceil(self._start + 60 - now))
            total = self._used.get("total", 0)
            over_total = total + cost > self.limits["total"]
            over_sub = category is not None and self._used.get(category, 0) + cost > self.limits[category]
            if over_total or over_sub:
                return False, self.limits["total"] - total, reset_in  # rejected calls are not charged [I]
            self._used["total"] = total + cost
            if category is not None:
                self._used[category] = self._used.get(category, 0) + cost
            return True, self.limits["total"] - total - cost, reset_in


# --------------------------------------------------------------------------- responses and params
def validation_error(field: str, message: str, code: str = "invalid_value") -> Response:
    """A 400 in the swagger error shape, plus the ``description`` real bodies carry [D/C]."""
    body = {"description": "Validation failed", "errors": [{"field": field, "message": message, "code": code}]}
    return JSONResponse(body, status_code=400)


NOTE_FIELDS = frozenset({"body", "private", "incoming", "notify_emails", "user_id"})  # [I] create-a-note fields


def note_problem(body: dict[str, Any], is_user: Callable[[Any], bool]) -> tuple[str, str, str] | None:
    """(field, message, code) for the first thing wrong with a create-a-note body [I: exact messages], else None."""
    for name in body:
        if name not in NOTE_FIELDS:
            return name, "Unexpected/invalid field in request", "invalid_field"
    text = body.get("body")
    if text is None:
        return "body", "Mandatory attribute missing", "missing_field"
    if not isinstance(text, str):
        return "body", "It should be a/an String", "datatype_mismatch"
    if not text.strip():
        return "body", "It should not be blank", "invalid_value"
    for name in ("private", "incoming"):
        if name in body and not isinstance(body[name], bool):
            return name, "It should be a/an Boolean", "datatype_mismatch"
    emails = body.get("notify_emails", [])
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        return "notify_emails", "It should be a/an Array of Strings", "datatype_mismatch"
    if body.get("user_id") is not None and not is_user(body["user_id"]):
        return "user_id", "There is no contact matching the given user_id", "invalid_value"
    return None


def json_page(body: dict[str, Any], link: str | None = None) -> Response:
    headers = {"Link": f'<{link}>; rel="next"'} if link else None
    return JSONResponse(body, headers=headers)


def link_only(response: Response) -> dict[str, str]:
    link = response.headers.get("link")
    return {"Link": link} if link else {}


def paged(request: Request, key: str, rows: list[dict[str, Any]], paging: tuple[int, int]) -> Response:
    page, per_page = paging
    chunk = rows[(page - 1) * per_page : page * per_page]
    return json_page({key: chunk}, next_link(request, page) if len(rows) > page * per_page else None)


def next_link(request: Request, page: int) -> str:
    """Absolute URL of the next page, keeping every other query parameter [D/C]."""
    pairs = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    pairs.append(("page", str(page + 1)))
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}?{urlencode(pairs)}"


def raw_page(request: Request) -> int:
    try:
        return int(request.query_params.get("page", "1"))
    except ValueError:
        return 1


def paging(request: Request, *, max_page: int | None = None) -> tuple[int, int] | Response:
    """(page, per_page) or a 400: per_page 1..100 [D], page >= 1 [I], page <= max_page when capped."""
    values: dict[str, int] = {}
    for name, default in (("page", 1), ("per_page", DEFAULT_PER_PAGE)):
        raw = request.query_params.get(name)
        try:
            values[name] = int(raw) if raw is not None else default
        except ValueError:
            return validation_error(name, "It should be a/an Positive Integer", "datatype_mismatch")
    if values["page"] < 1:
        return validation_error("page", "It should be a/an Positive Integer")
    if not 1 <= values["per_page"] <= MAX_PER_PAGE:
        return validation_error("per_page", f"It should be a Number between 1 and {MAX_PER_PAGE}")
    if max_page is not None and values["page"] > max_page:
        return validation_error("page", f"It should be a Number between 1 and {max_page}")
    return values["page"], values["per_page"]


def parse_includes(raw: str | None, allowed: frozenset[str]) -> list[str] | Response:
    names = [part.strip() for part in (raw or "").split(",") if part.strip()]
    bad = [name for name in names if name not in allowed]
    if bad:
        return validation_error("include", f"It should be one of these values: '{','.join(sorted(allowed))}'")
    return names


def iso_z(raw: str) -> str | None:
    """Normalise an ISO-8601 timestamp to the API's 'YYYY-MM-DDTHH:MM:SSZ' (None if unparseable)."""
    try:
        parsed = datetime.fromisoformat(raw.strip().replace(" ", "+"))  # a raw '+' in a query decodes to ' '
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # [I] a naive timestamp is read as UTC
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(requester: dict[str, Any]) -> dict[str, Any]:
    name = f"{requester['first_name']} {requester['last_name']}"
    return {"id": requester["id"], "name": name, "email": requester["primary_email"], "mobile": None, "phone": None}


def basic_auth_matches(request: Request, api_key: str) -> bool:
    """HTTP Basic with username = API key; the password (``X`` by convention) is not checked [D]."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    username, _, _password = decoded.partition(":")
    return hmac.compare_digest(username.encode(), api_key.encode())
