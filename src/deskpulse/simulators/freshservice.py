"""A faithful fake of the Freshservice REST API v2 as an ASGI app (see shared/vendor-api/freshservice.md).

Mounted under ``/api/v2`` like ``https://<domain>.freshservice.com/api/v2``. Control endpoints for demos
live under ``/_sim`` (outside the API prefix, so connectors can never hit them by accident).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from deskpulse.simulators import freshservice_records as records
from deskpulse.simulators.control import control_routes
from deskpulse.simulators.faults import (
    FaultController,
    json_error,
    server_error_response,
    truncated_response,
)
from deskpulse.simulators.freshservice_http import (
    PLAN_LIMITS,
    MinuteBudget,
    basic_auth_matches,
    iso_z,
    json_page,
    link_only,
    next_link,
    note_problem,
    paged,
    paging,
    parse_includes,
    person,
    raw_page,
    validation_error,
)
from deskpulse.simulators.freshservice_lifecycle import PRIMARY_WORKSPACE_ID, TICKET_TYPES
from deskpulse.simulators.freshservice_query import QueryError, compile_query
from deskpulse.simulators.freshservice_scenario import FreshserviceScenario
from deskpulse.simulators.scenario import DAY

__all__ = ["PLAN_LIMITS", "FreshserviceScenario", "MinuteBudget", "create_app"]

FILTER_MAX_PAGE = 10  # [I] not stated for Freshservice; Freshdesk's equivalent caps at 10 pages
DEFAULT_WINDOW = 30 * DAY  # [D] without updated_since only tickets created in the past 30 days
LIST_INCLUDES = frozenset({"requester", "stats", "requested_for", "department", "tags"})  # [D]
SHOW_INCLUDES = LIST_INCLUDES | {"conversations", "problem", "assets", "change", "related_tickets", "feedback"}
LIST_FILTERS = frozenset({"new_and_my_open", "watching", "spam", "deleted"})  # [D]
UNAUTHORIZED = {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}
NOT_FOUND = {"code": "access_denied", "message": "Record not found"}  # [I] message text
RATE_LIMITED = "You have exceeded the limit of requests per minute"  # [I] body text; status/headers are [D]

Handler = Callable[[Request], Awaitable[Response]]


def create_app(
    scenario: FreshserviceScenario,
    *,
    api_key: str = "sim-fs-key",
    plan: str = "starter",
    latency_seconds: float = 0.0,
    clock: Callable[[], float] | None = None,
    include_cost: int = 1,
    companies: bool = False,
) -> Starlette:
    """Build the simulator app; state is exposed as app.state.scenario / .faults / .request_log / .budget."""
    if plan not in PLAN_LIMITS:
        raise ValueError(f"plan must be one of {sorted(PLAN_LIMITS)}")
    faults = FaultController()
    request_log: list[tuple[str, str, str]] = []
    budget = MinuteBudget(PLAN_LIMITS[plan], clock or time.monotonic)
    api_agent_id = next(iter(scenario.agents), None)  # [I] the API key belongs to the first agent

    def api(handler: Handler, *, category: str | None = None, paged: bool = False) -> Handler:
        """Wrap a handler with what every response goes through: latency, rate limit, auth, faults."""

        async def endpoint(request: Request) -> Response:
            request_log.append((request.method, request.url.path, request.url.query))
            if latency_seconds > 0:
                await asyncio.sleep(latency_seconds)
            includes = [part for part in request.query_params.get("include", "").split(",") if part.strip()]
            cost = 1 + include_cost * len(includes)  # [D/conflicting] embedding costs extra credits
            # Failed calls count too [secondary]; the account is known from the subdomain, so even a
            # call with a bad key is charged [I].
            allowed, remaining, reset_in = budget.spend(category, cost)
            headers = {
                "X-RateLimit-Total": str(budget.limits["total"]),
                "X-RateLimit-Remaining": str(max(0, remaining)),
                "X-RateLimit-Used-CurrentRequest": str(cost if allowed else 0),
            }
            if not allowed:
                return json_error(429, RATE_LIMITED, {**headers, "Retry-After": str(reset_in)})
            if not basic_auth_matches(request, api_key):
                return JSONResponse(UNAUTHORIZED, status_code=401, headers=headers)
            fault = faults.maybe_fault(request.url.path, raw_page(request) if paged else None)
            if fault is not None:
                if fault.mode == "rate_limit":
                    return json_error(429, RATE_LIMITED, {**headers, "Retry-After": str(fault.retry_after)})
                if fault.mode == "server_error":
                    return server_error_response(fault.status, headers)
                if fault.mode == "fail_on_page":
                    return server_error_response(500, headers)
                if fault.mode == "timeout":
                    await asyncio.sleep(fault.delay_seconds)
            response = await handler(request)
            response.headers.update(headers)
            if fault is not None and fault.mode == "truncated" and response.status_code == 200:
                return truncated_response(bytes(response.body), {**headers, **link_only(response)})
            return response

        return endpoint

    def expand(ticket: dict[str, Any], includes: Sequence[str], *, show: bool = False) -> dict[str, Any]:
        """The ticket as returned with ``include=`` (and the single-GET extras [C])."""
        out = dict(ticket)
        if show:
            out.update({
                "requested_for_id": ticket["requester_id"], "sla_policy_id": 21_000_020_001,
                "applied_business_hours": 21_000_010_001, "created_within_business_hours": True,
                "approval_status": None, "approval_status_name": None,
            })  # fmt: skip
        requester = scenario.requesters.get(ticket["requester_id"])
        embedded = person(requester) if requester else None
        for name in includes:
            if name == "stats":
                out["stats"] = dict(scenario.stats[ticket["id"]])
            elif name in ("requester", "requested_for"):
                out[name] = embedded  # [I] embedded person shape
            elif name == "department":
                dept = scenario.departments.get(ticket["department_id"])
                out["department"] = {"id": dept["id"], "name": dept["name"]} if dept else None  # [I]
            elif name == "conversations":
                out["conversations"] = records.conversations(scenario, ticket)
            elif name in ("problem", "change", "feedback"):
                out[name] = None
            elif name in ("assets",):
                out[name] = []
            elif name == "related_tickets":
                out[name] = {}
        return out

    async def list_tickets(request: Request) -> Response:
        params = request.query_params
        pages = paging(request)
        if isinstance(pages, Response):
            return pages
        includes = parse_includes(params.get("include"), LIST_INCLUDES)
        if isinstance(includes, Response):
            return includes
        view = params.get("filter")
        if view is not None and view not in LIST_FILTERS:
            return validation_error("filter", f"It should be one of these values: '{','.join(sorted(LIST_FILTERS))}'")
        ticket_type = params.get("type")
        if ticket_type is not None and ticket_type not in TICKET_TYPES:
            return validation_error("type", f"It should be one of these values: '{','.join(TICKET_TYPES)}'")
        order = params.get("order_type", "desc")
        if order not in ("asc", "desc"):
            return validation_error("order_type", "It should be one of these values: 'asc,desc'")
        numbers: dict[str, int | None] = {}
        for name in ("requester_id", "workspace_id"):
            raw = params.get(name)
            try:
                numbers[name] = int(raw) if raw is not None else None
            except ValueError:
                return validation_error(name, "It should be a/an Positive Integer", "datatype_mismatch")
        since = None
        if "updated_since" in params:
            since = iso_z(params["updated_since"])
            if since is None:
                return validation_error("updated_since", "It should be in the 'combined date and time ISO8601' format")
        requester_id = numbers["requester_id"]
        if "email" in params:
            found = scenario.requester_by_email(params["email"])
            requester_id = found if found is not None else -1  # [I] unknown email: empty list
        workspace = numbers["workspace_id"]
        rows = scenario.list_tickets(
            updated_since=since,
            # [D] the documented trap: without updated_since only tickets created in the past 30 days.
            created_since=None if since is not None else scenario.iso(int(scenario.now.timestamp()) - DEFAULT_WINDOW),
            view=view, ticket_type=ticket_type, requester_id=requester_id,
            workspace_id=PRIMARY_WORKSPACE_ID if workspace is None else workspace,
            watcher_agent_id=api_agent_id, ascending=order == "asc",
        )  # fmt: skip
        page, per_page = pages
        chunk = rows[(page - 1) * per_page : page * per_page]
        body = {"tickets": [expand(t, includes) for t in chunk]}
        return json_page(body, next_link(request, page) if len(rows) > page * per_page else None)

    async def filter_tickets(request: Request) -> Response:
        pages = paging(request, max_page=FILTER_MAX_PAGE)
        if isinstance(pages, Response):
            return pages
        raw = request.query_params.get("query")
        if raw is None:
            return validation_error("query", "It should be a/an String", "missing_field")
        try:
            predicate = compile_query(raw, scenario.requester_by_email)
        except QueryError as exc:
            return validation_error("query", str(exc))
        # [I] without a workspace_id condition only the primary workspace is searched, as in the list.
        primary_only = "workspace_id" not in raw
        rows = [
            t
            for t in scenario.tickets.values()
            if not t["deleted"]
            and not t["spam"]
            and (not primary_only or t["workspace_id"] == PRIMARY_WORKSPACE_ID)
            and predicate(t)
        ]
        rows.sort(key=lambda t: (t["created_at"], t["id"]), reverse=True)  # [I] newest first
        page, per_page = pages
        chunk = rows[(page - 1) * per_page : page * per_page]
        return json_page({"tickets": chunk, "total": len(rows)})

    def live_ticket(request: Request) -> dict[str, Any] | None:
        ticket = scenario.tickets.get(request.path_params["ticket_id"])
        return None if ticket is None or ticket["deleted"] else ticket  # [I] trashed tickets answer 404

    async def show_ticket(request: Request) -> Response:
        includes = parse_includes(request.query_params.get("include"), SHOW_INCLUDES)
        if isinstance(includes, Response):
            return includes
        ticket = live_ticket(request)
        if ticket is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        return json_page({"ticket": expand(ticket, includes, show=True)})

    async def update_ticket(request: Request) -> Response:
        ticket = live_ticket(request)
        if ticket is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return validation_error("body", "Invalid JSON", "invalid_json")
        if not isinstance(body, dict) or not body:
            return validation_error("body", "Request body must be a non-empty JSON object", "invalid_json")
        for name, value in body.items():  # one field at a time, so the error names the field at fault
            try:
                scenario.check_update(**{name: value})
            except ValueError as exc:
                return validation_error(name, str(exc))
        if scenario.ignore_writes:
            return json_page({"ticket": ticket})
        try:
            updated = scenario.update_ticket(ticket["id"], **body)
        except ValueError as exc:
            return validation_error(next(iter(body)), str(exc))
        return json_page({"ticket": updated})

    async def create_note(request: Request) -> Response:
        ticket = live_ticket(request)
        if ticket is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return validation_error("body", "Invalid JSON", "invalid_json")
        if not isinstance(body, dict):
            return validation_error("body", "Request body must be a JSON object", "invalid_json")
        problem = note_problem(body, lambda user: user in scenario.agents or user in scenario.requesters)
        if problem is not None:
            return validation_error(*problem)
        user_id = body.get("user_id", api_agent_id)
        args = (ticket["id"], body["body"])
        if scenario.ignore_writes:
            note = scenario.note_record(*args, private=body.get("private", True), user_id=user_id)
        else:
            note = scenario.add_note(*args, private=body.get("private", True), user_id=user_id)
        return JSONResponse({"conversation": note}, status_code=201)

    def sub_resource(key: str, build: Callable[[Any, dict[str, Any]], list[dict[str, Any]]]) -> Handler:
        async def handler(request: Request) -> Response:
            pages = paging(request)
            if isinstance(pages, Response):
                return pages
            ticket = live_ticket(request)
            if ticket is None:
                return JSONResponse(NOT_FOUND, status_code=404)
            return paged(request, key, build(scenario, ticket), pages)

        return handler

    async def csat(request: Request) -> Response:
        ticket = live_ticket(request)
        response = records.csat_response(scenario, ticket) if ticket is not None else None
        if response is None:
            return JSONResponse(NOT_FOUND, status_code=404)  # [C] no survey answer -> 404
        return json_page({"csat_response": response})

    def people(key: str, source: Callable[[Request], list[dict[str, Any]]]) -> Handler:
        async def handler(request: Request) -> Response:
            pages = paging(request)
            if isinstance(pages, Response):
                return pages
            return paged(request, key, source(request), pages)

        return handler

    def agents(request: Request) -> list[dict[str, Any]]:
        rows = list(scenario.agents.values())
        email, state = request.query_params.get("email"), request.query_params.get("state")
        if email:
            rows = [a for a in rows if a["email"].lower() == email.lower()]
        if state in ("fulltime", "occasional"):
            rows = [a for a in rows if a["occasional"] == (state == "occasional")]
        return rows

    def requesters(request: Request) -> list[dict[str, Any]]:
        rows = list(scenario.requesters.values())
        email = request.query_params.get("email")
        if email:
            rows = [r for r in rows if r["primary_email"].lower() == email.lower()]
        if request.query_params.get("include_agents") == "true":
            rows += list(scenario.agents.values())  # [I] agents listed after requesters, in agent shape
        return rows

    def departments(request: Request) -> list[dict[str, Any]]:
        return list(scenario.departments.values())

    async def form_fields(request: Request) -> Response:
        return json_page({"ticket_fields": records.ticket_form_fields(scenario)})

    async def list_companies(request: Request) -> Response:
        if not companies:
            return JSONResponse(NOT_FOUND, status_code=404)  # non-MSP accounts have no companies
        pages = paging(request)
        if isinstance(pages, Response):
            return pages
        return paged(request, "companies", list(scenario.departments.values()), pages)  # [I] MSP alias

    async def not_found(request: Request) -> Response:
        return JSONResponse(NOT_FOUND, status_code=404)

    ticket = "/tickets/{ticket_id:int}"
    routes: list[BaseRoute] = [
        Route("/tickets", api(list_tickets, category="list_tickets", paged=True), methods=["GET"]),
        Route("/tickets/filter", api(filter_tickets, category="list_tickets", paged=True), methods=["GET"]),
        Route(ticket, api(show_ticket, category="view_ticket"), methods=["GET"]),
        Route(ticket, api(update_ticket, category="view_ticket"), methods=["PUT"]),
        # [I] which sub-limit a note counts against is not documented; "View/Create/Update Ticket" is the nearest.
        Route(f"{ticket}/notes", api(create_note, category="view_ticket"), methods=["POST"]),
        Route(
            f"{ticket}/conversations",
            api(sub_resource("conversations", records.conversations), paged=True),
            methods=["GET"],
        ),
        Route(
            f"{ticket}/time_entries",
            api(sub_resource("time_entries", records.time_entries), paged=True),
            methods=["GET"],
        ),
        Route(f"{ticket}/csat_response", api(csat), methods=["GET"]),
        Route("/ticket_form_fields", api(form_fields), methods=["GET"]),
        Route("/agents", api(people("agents", agents), category="list_people"), methods=["GET"]),
        Route("/requesters", api(people("requesters", requesters), category="list_people"), methods=["GET"]),
        Route("/groups", api(people("groups", lambda _r: list(scenario.groups.values()))), methods=["GET"]),
        Route("/departments", api(people("departments", departments)), methods=["GET"]),
        Route("/companies", api(list_companies), methods=["GET"]),
        Route("/{rest:path}", api(not_found), methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(
        routes=[Mount("/api/v2", routes=routes), *control_routes(scenario, faults, lambda: _state(scenario))]
    )
    app.state.scenario = scenario
    app.state.faults = faults
    app.state.request_log = request_log
    app.state.budget = budget
    return app


def _state(scenario: FreshserviceScenario) -> dict[str, Any]:
    return {
        "now": scenario.now.isoformat(),
        "tickets": len(scenario.tickets),
        "active_tickets": len(scenario.active_tickets()),
    }
