"""A faithful fake of the Autotask PSA REST API v1.0 as an ASGI app (see shared/vendor-api/autotask.md).

Paths live under ``/ATServicesRest/V1.0/`` and, like the real service, are matched case-insensitively; zone
discovery is ``GET /atservicesrest/v1.0/zoneInformation?user=`` and points back at this app. Control endpoints
for demos and tests live under ``/_sim`` (shared fault modes, plus write faults, zone moves and usage).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from deskpulse.simulators.autotask_http import (
    API_PREFIX,
    HOUR_LIMIT,
    ApiUser,
    HourWindow,
    errors,
    next_page_url,
    origin,
    page_body,
    read_paging,
    unauthorized,
)
from deskpulse.simulators.autotask_query import QueryError, parse_query
from deskpulse.simulators.autotask_scenario import AutotaskScenario
from deskpulse.simulators.autotask_schema import ENTITIES, TICKETS, Entity, field_info
from deskpulse.simulators.autotask_webhooks import AutotaskWebhooks
from deskpulse.simulators.autotask_writes import WriteFault, WriteFaults, create_note, patch_ticket, write_fault_routes
from deskpulse.simulators.control import control_routes
from deskpulse.simulators.faults import (
    FaultController,
    FaultPlan,
    json_error,
    server_error_response,
    truncated_response,
)

__all__ = [
    "SIM_INTEGRATION_CODE",
    "SIM_SECRET",
    "SIM_USERNAME",
    "AutotaskScenario",
    "WriteFault",
    "ZoneState",
    "create_app",
]

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# The simulator's own, public credentials.
SIM_USERNAME = "api@sim.example"
SIM_SECRET = "sim-secret"  # noqa: S105
SIM_INTEGRATION_CODE = "SIMTRACKINGID"
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class ZoneState:
    """What zone discovery answers. ``url=None`` points at whatever origin the caller used.

    Setting ``url`` to another origin "moves" the tenant: API calls on any other origin then get 401, as
    credentials do in a zone that does not hold the database [I].
    """

    url: str | None = None
    name: str = "Simulated Zone"
    double_slash: bool = False  # [C] one module notes the returned url can contain a double slash
    lookups: list[str] = field(default_factory=list)


@dataclass
class Endpoints:
    """Concurrency per endpoint (the vendor's thread limit is 3 per tracking id and endpoint [D])."""

    in_flight: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)


def create_app(
    scenario: AutotaskScenario,
    *,
    username: str = SIM_USERNAME,
    secret: str = SIM_SECRET,
    integration_code: str = SIM_INTEGRATION_CODE,
    hourly_limit: int = HOUR_LIMIT,
    latency_seconds: float = 0.0,
    usage_latency: bool = True,
    clock: Callable[[], float] | None = None,
    sleep: Sleep = asyncio.sleep,
    next_page_origin: str | None = None,
) -> Starlette:
    """Build the app; state: app.state.scenario / faults / write_faults / zone / hour / request_log / endpoints /
    webhooks.

    ``sleep`` serves the added latency only (tests pass a recorder); the ``timeout`` fault always really waits.
    ``next_page_origin`` makes nextPageUrl point at another host (to test the same-origin header rule).
    """
    user = ApiUser(username, secret, integration_code)
    faults, write_faults, zone = FaultController(), WriteFaults(), ZoneState()
    hour = HourWindow(hourly_limit, clock or time.monotonic)
    endpoints = Endpoints()
    webhooks = AutotaskWebhooks()
    request_log: list[tuple[str, str, str]] = []

    async def zone_information(request: Request) -> Response:
        # [C] no credentials; 500 when the user name is blank or unknown. Not thread-limited [D] nor counted [I].
        asked = request.query_params.get("user", "")
        zone.lookups.append(asked)
        if not asked.strip() or asked.strip().lower() != username.lower():
            return errors(500, f"Zone information could not be determined for user '{asked}'.")
        here = origin(request)
        url = zone.url or f"{here}/ATServicesRest/"
        if zone.double_slash:
            parts = urlsplit(url)
            url = f"{parts.scheme}://{parts.netloc}/{parts.path}"
        web = urlsplit(url)
        return JSONResponse({"zoneName": zone.name, "url": url, "webUrl": f"{web.scheme}://{web.netloc}/", "ci": 123})

    async def dispatch(request: Request) -> Response:
        parts = [p for p in request.url.path.split("/") if p]
        lower = [p.lower() for p in parts]
        if lower[:2] != [p.lower() for p in API_PREFIX.split("/")] or len(parts) < 3:
            return errors(404, "The requested resource does not exist.")
        if lower[2:] == ["zoneinformation"] and request.method == "GET":
            return await zone_information(request)
        request_log.append((request.method, request.url.path, request.url.query))
        if not user.matches(request):
            return unauthorized()
        if zone.url is not None and _origin_of(zone.url) != origin(request).lower():
            return unauthorized()
        allowed, retry_after = hour.hit()
        if not allowed:
            message = f"Rate limit of {hour.limit} requests per {hour.window_seconds / 60:g} minutes exceeded."
            return errors(429, message, headers={"Retry-After": str(retry_after)})
        endpoint = lower[2]
        endpoints.in_flight[endpoint] = endpoints.in_flight.get(endpoint, 0) + 1
        endpoints.peak[endpoint] = max(endpoints.peak.get(endpoint, 0), endpoints.in_flight[endpoint])
        try:
            delay = latency_seconds + (hour.added_latency() if usage_latency else 0.0)
            if delay > 0:
                await sleep(delay)
            fault = faults.maybe_fault(request.url.path, _page_of(request, lower))
            early = await _fault_response(fault)
            if early is not None:
                return early
            response = await route(request, parts[2:], lower[2:])
        finally:
            endpoints.in_flight[endpoint] -= 1
        if fault is not None and fault.mode == "truncated" and response.status_code == 200:
            return truncated_response(bytes(response.body))
        return response

    async def route(request: Request, parts: list[str], lower: list[str]) -> Response:
        method = request.method
        if lower == ["thresholdinformation"]:
            return JSONResponse(hour.threshold_information()) if method == "GET" else _not_allowed()
        if lower[0] == "ticketwebhooks":
            return await webhooks.route(request, lower[1:])
        entity = ENTITIES.get(lower[0])
        if entity is None:
            return errors(404, f"The entity {parts[0]} does not exist.")
        rest = lower[1:]
        if not rest:
            if method == "PATCH" and entity is TICKETS:
                return await patch_ticket(request, scenario, write_faults)
            if method == "POST" and entity.name == "TicketNotes":
                return await create_note(request, scenario, write_faults)
            return _not_allowed()
        if rest[0] == "query":
            return await query_route(request, entity, rest[1:])
        if rest[0] == "entityinformation":
            return entity_information(entity, rest[1:])
        if rest[0].isdigit():
            record_id = int(rest[0])
            if rest[1:] == [] and method == "GET":
                record = scenario.store[entity.name].get(record_id)
                return JSONResponse({"item": entity.render(record) if record is not None else None})
            if entity is TICKETS and rest[1:] == ["notes"]:
                if method == "POST":
                    return await create_note(request, scenario, write_faults, parent_id=record_id)
                if method == "GET":
                    notes = ENTITIES["ticketnotes"]
                    search = {"filter": [{"op": "eq", "field": "ticketID", "value": record_id}]}
                    return run_query(request, notes, search)
            return _not_allowed()
        return errors(404, "The requested resource does not exist.")

    async def query_route(request: Request, entity: Entity, rest: list[str]) -> Response:
        if request.method not in ("GET", "POST"):
            return _not_allowed()
        if rest == ["next"]:
            # Everything is in the URL; a body re-sent by the client (django-autotask does) is ignored.
            paging = read_paging(request.query_params.get("paging"))
            search = _loads(request.query_params.get("search"))
            if paging is None or search is None:
                return errors(400, "The paging information is not valid.")
            return run_query(request, entity, search, after_id=paging[0], page=paging[1])
        search = await _read_search(request)
        if isinstance(search, Response):
            return search
        if rest == ["count"]:
            try:
                query = parse_query(search, entity)
            except QueryError as exc:
                return errors(400, str(exc))
            count = sum(1 for r in scenario.store[entity.name].values() if query.predicate(r))
            return JSONResponse({"queryCount": count})
        if rest:
            return errors(404, "The requested resource does not exist.")
        return run_query(request, entity, search)

    def run_query(
        request: Request, entity: Entity, search: Any, *, after_id: int | None = None, page: int = 1
    ) -> Response:
        try:
            query = parse_query(search, entity)
        except QueryError as exc:
            return errors(400, str(exc))
        rows = sorted(
            (
                r
                for r in scenario.store[entity.name].values()
                if (after_id is None or r["id"] > after_id) and query.predicate(r)
            ),
            key=lambda r: int(r["id"]),
        )
        chunk, more = rows[: query.max_records], len(rows) > query.max_records
        if more and query.include is not None and "id" not in query.include:
            return errors(400, "IncludeFields must contain id when the result spans more than one page.")  # [D]
        link = None
        if more:
            base = origin(request, next_page_origin)
            size = query.max_records
            link = next_page_url(base, entity.name, search, after_id=int(chunk[-1]["id"]), page=page + 1, size=size)
        items = [entity.render(r, query.include) for r in chunk]
        return JSONResponse(page_body(items, query.max_records, link))

    def entity_information(entity: Entity, rest: list[str]) -> Response:
        if rest == ["fields"]:
            picklists = scenario.picklists if entity is TICKETS else {}
            return JSONResponse({"fields": field_info(entity, picklists)})
        if rest == []:
            info = {
                "name": entity.singular,
                "canCreate": entity.name in ("Tickets", "TicketNotes"),
                "canUpdate": entity is TICKETS,
                "canQuery": True,
                "canDelete": False,
                "hasUserDefinedFields": entity is TICKETS,
            }  # fmt: skip  [I] shape
            return JSONResponse({"info": info})
        return errors(404, "The requested resource does not exist.")

    async def usage(request: Request) -> Response:
        try:
            count = int((await request.json())["requests"])
        except (ValueError, TypeError, KeyError):
            return json_error(400, 'body must be {"requests": N}')
        hour.spend(max(0, count))
        return JSONResponse(hour.threshold_information())

    async def move_zone(request: Request) -> Response:
        try:
            zone.url = (await request.json())["url"]
        except (ValueError, TypeError, KeyError):
            return json_error(400, 'body must be {"url": "https://host/ATServicesRest/"} or {"url": null}')
        return JSONResponse({"url": zone.url})

    routes: list[BaseRoute] = [
        *control_routes(scenario, faults, lambda: _state(scenario, hour)),
        *write_fault_routes(write_faults),
        Route("/_sim/usage", usage, methods=["POST"]),
        Route("/_sim/zone", move_zone, methods=["POST"]),
        Route("/{path:path}", dispatch, methods=ALL_METHODS),
    ]
    app = Starlette(routes=routes)
    app.state.scenario = scenario
    app.state.faults = faults
    app.state.write_faults = write_faults
    app.state.zone = zone
    app.state.hour = hour
    app.state.request_log = request_log
    app.state.endpoints = endpoints
    app.state.webhooks = webhooks
    return app


async def _fault_response(fault: FaultPlan | None) -> Response | None:
    """The response a transport fault produces before the handler runs (None: run the handler)."""
    if fault is None:
        return None
    if fault.mode == "rate_limit":
        return errors(429, "Rate limit exceeded.", headers={"Retry-After": str(fault.retry_after)})
    if fault.mode in ("server_error", "fail_on_page"):
        status = fault.status if fault.mode == "server_error" else 500
        # The application answers 500 in its own shape; 502-504 come from the load balancer in HTML.
        return errors(500, "An unexpected error has occurred.") if status == 500 else server_error_response(status)
    if fault.mode == "timeout":
        await asyncio.sleep(fault.delay_seconds)
    return None


def _page_of(request: Request, lower: list[str]) -> int | None:
    """Page number of a query request (1 for the first page), None for any other request."""
    if len(lower) < 4 or lower[3] != "query":
        return None
    if lower[4:] == ["next"]:
        paging = read_paging(request.query_params.get("paging"))
        return paging[1] if paging is not None else None
    return 1 if lower[4:] == [] else None


async def _read_search(request: Request) -> Any:
    """The query JSON: the POST body, or GET ``?search=`` [C]; a 400 Response when unreadable."""
    if request.method == "POST":
        raw = (await request.body()).decode("utf-8", "replace")
    else:
        raw = request.query_params.get("search", "")
    search = _loads(raw)
    if search is None:
        return errors(400, "The search is missing or is not valid JSON.")
    return search


def _loads(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _not_allowed() -> Response:
    return errors(405, "The requested HTTP method is not supported for this resource.")


def _state(scenario: AutotaskScenario, hour: HourWindow) -> dict[str, Any]:
    return {
        "now": scenario.now.isoformat(),
        "tickets": len(scenario.tickets),
        "active_tickets": len(scenario.active_tickets()),
        "deleted_ticket_logs": len(scenario.store["DeletedTicketLogs"]),
        "requests_this_hour": hour.used,
    }
