"""A faithful fake of the Trengo REST API v2 as an ASGI app (see shared/vendor-api/trengo.md).

Mounted under ``/api/v2`` so a client's base URL is ``http://host:port/api/v2``, exactly as for the
real ``https://app.trengo.com/api/v2``. Control endpoints for demos live under ``/_sim`` (outside
the API prefix, so connectors can never hit them by accident).
"""

from __future__ import annotations

import asyncio
import hmac
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from deskpulse.simulators.control import control_routes
from deskpulse.simulators.faults import (
    FaultController,
    json_error,
    server_error_response,
    truncated_response,
)
from deskpulse.simulators.scenario import FixedWindowRateLimiter
from deskpulse.simulators.trengo_scenario import TrengoScenario
from deskpulse.simulators.trengo_webhooks import TrengoWebhooks, request_fields

__all__ = ["FULL_PER_PAGE", "TICKETS_PER_PAGE", "TrengoScenario", "create_app"]

TICKETS_PER_PAGE = 25  # fixed by Trengo; `limit` is ignored (fixture meta.per_page == 25)
FULL_PER_PAGE = 25  # [I] page size of /teams and /users is not documented
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

Handler = Callable[[Request], Awaitable[Response]]
RequestLog = list[tuple[str, str, str]]


def create_app(
    scenario: TrengoScenario,
    *,
    token: str = "sim-token",  # noqa: S107  (a fixed, public token is the point of a simulator)
    rate_limit_per_minute: int = 120,
    latency_seconds: float = 0.0,
    clock: Callable[[], float] | None = None,
) -> Starlette:
    """Build the simulator app; state is exposed as app.state.scenario / .faults / .request_log / .webhooks."""
    faults = FaultController()
    webhooks = TrengoWebhooks()
    create_webhook, delete_webhook = webhooks.handlers()
    request_log: RequestLog = []
    limiter = FixedWindowRateLimiter(rate_limit_per_minute, clock or time.monotonic)

    def api(handler: Handler, *, paged: bool = False) -> Handler:
        """Wrap a handler with what every Trengo response goes through: latency, throttle, auth, faults."""

        async def endpoint(request: Request) -> Response:
            request_log.append((request.method, request.url.path, request.url.query))
            if latency_seconds > 0:
                await asyncio.sleep(latency_seconds)
            authed = _bearer_matches(request, token)
            # Laravel's `api` group throttles before auth runs, so 401s are counted too (per client IP).
            client = request.client.host if request.client else "unknown"
            allowed, remaining, reset_in = limiter.hit(f"token:{token}" if authed else f"ip:{client}")
            headers = {"X-RateLimit-Limit": str(limiter.limit), "X-RateLimit-Remaining": str(remaining)}
            if not allowed:
                return _too_many_attempts(limiter.limit, reset_in)
            if not authed:
                return json_error(401, "Unauthenticated.", headers)
            plan = faults.maybe_fault(request.url.path, _page_number(request) if paged else None)
            if plan is not None:
                if plan.mode == "rate_limit":
                    return _too_many_attempts(limiter.limit, plan.retry_after)
                if plan.mode == "server_error":
                    return server_error_response(plan.status, headers)
                if plan.mode == "fail_on_page":
                    return server_error_response(500, headers)
                if plan.mode == "timeout":
                    await asyncio.sleep(plan.delay_seconds)
            response = await handler(request)
            response.headers.update(headers)
            if plan is not None and plan.mode == "truncated":
                return truncated_response(bytes(response.body), headers)
            return response

        return endpoint

    async def list_tickets(request: Request) -> Response:
        params = request.query_params
        rows = scenario.list_tickets(
            status=params.get("status") or None,
            user_ids=_int_list(params.getlist("users[]")),
            contact_id=_optional_int(params.get("contact_id")),
            channel_ids=_int_list(params.getlist("channels[]")),
            sort=params.get("sort"),
        )
        return JSONResponse(simple_page(request, rows, TICKETS_PER_PAGE))

    async def get_ticket(request: Request) -> Response:
        ticket = scenario.tickets.get(request.path_params["ticket_id"])
        if ticket is None:
            return _model_not_found(request.path_params["ticket_id"])
        return JSONResponse(ticket)

    async def assign_ticket(request: Request) -> Response:
        ticket_id = request.path_params["ticket_id"]
        if ticket_id not in scenario.tickets:
            return _model_not_found(ticket_id)
        body = await request_fields(request)
        kind = str(body.get("type", "user")).lower()
        user_id, team_id = _optional_int(body.get("user_id")), _optional_int(body.get("team_id"))
        errors: dict[str, list[str]] = {}
        if kind not in ("user", "team"):
            errors["type"] = ["The selected type is invalid."]
        elif kind == "user" and (user_id is None or user_id not in scenario.users):
            errors["user_id"] = ["The selected user id is invalid."]
        elif (team_id is not None and team_id not in scenario.teams) or (kind == "team" and team_id is None):
            errors["team_id"] = ["The selected team id is invalid."]
        if errors:
            return JSONResponse({"message": "The given data was invalid.", "errors": errors}, status_code=422)
        if scenario.ignore_writes:
            return JSONResponse(scenario.tickets[ticket_id])
        if kind == "team":
            return JSONResponse(scenario.assign(ticket_id, team_id=team_id))
        return JSONResponse(scenario.assign(ticket_id, user_id=user_id, team_id=team_id))

    async def close_ticket(request: Request) -> Response:
        ticket_id = request.path_params["ticket_id"]
        if ticket_id not in scenario.tickets:
            return _model_not_found(ticket_id)
        if scenario.ignore_writes:
            return JSONResponse(scenario.tickets[ticket_id])
        return JSONResponse(scenario.close(ticket_id))

    async def reopen_ticket(request: Request) -> Response:
        ticket_id = request.path_params["ticket_id"]
        if ticket_id not in scenario.tickets:
            return _model_not_found(ticket_id)
        if scenario.ignore_writes:
            return JSONResponse(scenario.tickets[ticket_id])
        return JSONResponse(scenario.reopen(ticket_id))

    async def list_teams(request: Request) -> Response:
        return JSONResponse(full_page(request, list(scenario.teams.values()), FULL_PER_PAGE))

    async def list_users(request: Request) -> Response:
        users = list(scenario.users.values())
        sort_field = request.query_params.get("sort", "")
        if sort_field.lstrip("-") in ("first_name", "last_name", "email", "id"):
            field = sort_field.lstrip("-")
            users.sort(key=lambda user: (user[field], user["id"]), reverse=sort_field.startswith("-"))
        return JSONResponse(full_page(request, users, FULL_PER_PAGE))

    async def not_found(request: Request) -> Response:
        return json_error(404, "Not Found")

    api_routes: list[BaseRoute] = [
        Route("/tickets", api(list_tickets, paged=True), methods=["GET"]),
        Route("/tickets/{ticket_id:int}", api(get_ticket), methods=["GET"]),
        Route("/tickets/{ticket_id:int}/assign", api(assign_ticket), methods=["POST"]),
        Route("/tickets/{ticket_id:int}/close", api(close_ticket), methods=["POST"]),
        Route("/tickets/{ticket_id:int}/reopen", api(reopen_ticket), methods=["POST"]),
        Route("/teams", api(list_teams), methods=["GET"]),
        Route("/users", api(list_users), methods=["GET"]),
        Route("/webhooks", api(create_webhook), methods=["POST"]),
        Route("/webhooks/{webhook_id:int}", api(delete_webhook), methods=["DELETE"]),
        # Laravel answers unknown routes (and non-numeric ids) with a JSON 404, not plain text.
        Route("/{rest:path}", api(not_found), methods=ALL_METHODS),
    ]
    app = Starlette(
        routes=[Mount("/api/v2", routes=api_routes), *control_routes(scenario, faults, lambda: _state(scenario))]
    )
    app.state.scenario = scenario
    app.state.faults = faults
    app.state.request_log = request_log
    app.state.limiter = limiter
    app.state.webhooks = webhooks
    return app


def _state(scenario: TrengoScenario) -> dict[str, Any]:
    return {
        "now": scenario.now.isoformat(),
        "tickets": len(scenario.tickets),
        "open_tickets": len(scenario.open_tickets()),
    }


# --------------------------------------------------------------------------- Laravel paginators
def _base_url(request: Request) -> str:
    url = request.url
    return f"{url.scheme}://{url.netloc}{url.path}"


def _page_url(request: Request, page: int) -> str:
    # Like Laravel's withQueryString(): keep the other query params, page goes last.
    pairs = [(key, value) for key, value in request.query_params.multi_items() if key != "page"]
    pairs.append(("page", str(page)))
    return f"{_base_url(request)}?{urlencode(pairs)}"


def _page_number(request: Request) -> int:
    """The requested page; Laravel treats a missing, non-numeric or < 1 page as page 1."""
    raw = request.query_params.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        return 1
    return page if page >= 1 else 1


def simple_page(request: Request, rows: Sequence[dict[str, Any]], per_page: int) -> dict[str, Any]:
    """Laravel ``simplePaginate`` envelope: no total, no last_page, links.last is null."""
    page = _page_number(request)
    start = (page - 1) * per_page
    chunk = list(rows[start : start + per_page])
    has_more = len(rows) > start + per_page
    return {
        "data": chunk,
        "links": {
            "first": _page_url(request, 1),
            "last": None,
            "prev": _page_url(request, page - 1) if page > 1 else None,
            "next": _page_url(request, page + 1) if has_more else None,
        },
        "meta": {
            "current_page": page,
            "from": start + 1 if chunk else None,
            "path": _base_url(request),
            "per_page": per_page,
            "to": start + len(chunk) if chunk else None,
        },
    }


def full_page(request: Request, rows: Sequence[dict[str, Any]], per_page: int) -> dict[str, Any]:
    """Laravel ``paginate`` envelope with total and last_page."""
    page = _page_number(request)
    total = len(rows)
    last_page = max(1, math.ceil(total / per_page))
    start = (page - 1) * per_page
    chunk = list(rows[start : start + per_page])
    return {
        "data": chunk,
        "links": {
            "first": _page_url(request, 1),
            "last": _page_url(request, last_page),
            "prev": _page_url(request, page - 1) if page > 1 else None,
            "next": _page_url(request, page + 1) if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": start + 1 if chunk else None,
            "last_page": last_page,
            "path": _base_url(request),
            "per_page": per_page,
            "to": start + len(chunk) if chunk else None,
            "total": total,
        },
    }


# --------------------------------------------------------------------------- small helpers
def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    # compare_digest: no timing side channel, even in a simulator that may be exposed on a LAN.
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def _too_many_attempts(limit: int, retry_after: int) -> Response:
    headers = {
        "Retry-After": str(retry_after),
        "X-RateLimit-Reset": str(int(time.time()) + retry_after),
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
    }
    return json_error(429, "Too Many Attempts.", headers)


def _model_not_found(ticket_id: int) -> Response:
    return json_error(404, f"No query results for model [App\\Ticket] {ticket_id}")


def _optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _int_list(values: Sequence[str]) -> tuple[int, ...]:
    return tuple(sorted({number for value in values if (number := _optional_int(value)) is not None}))
