"""Freshservice API v2 calls, one function per endpoint.

Facts used here are collected, with sources, in /work/shared/vendor-api/freshservice.md.
Every call first charges the plan budget (operation sub-limit + include credits, see budget.py).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2

from deskpulse.connectors.base import ConnectorError, HttpClient, NotFoundError, Page, Paginator, Sleep
from deskpulse.connectors.freshservice.budget import LIST_PEOPLE, LIST_TICKETS, VIEW_TICKET, PlanBudget
from deskpulse.connectors.freshservice.pagination import LinkHeaderPaginator, TotalCountPaginator

PER_PAGE = 100  # documented maximum
# [I] The filter endpoint's page cap is undocumented; Freshdesk's equivalent stops at 10 pages.
FILTER_MAX_PAGES = 10


@dataclass(slots=True)
class FreshserviceHttp:
    """An HttpClient plus the plan budget and the credit cost of one ``include``."""

    http: HttpClient
    budget: PlanBudget
    sleep: Sleep
    include_cost: int = 1
    max_pages: int = 20_000

    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, operation: str | None = None, includes: int = 0
    ) -> tuple[Any, Mapping[str, str], str]:
        """One GET after charging the budget; returns (body, headers, final url)."""
        await self.budget.charge(self.sleep, operation, includes * self.include_cost)
        return await self.http.request_json("GET", path, params=params)

    async def send(
        self, method: str, path: str, json_body: Any, *, operation: str | None = None
    ) -> tuple[Any, Mapping[str, str], str]:
        """One write (PUT/POST) after charging the budget; returns (body, headers, final url)."""
        await self.budget.charge(self.sleep, operation)
        return await self.http.request_json(method, path, json_body=json_body)

    async def pages(
        self,
        path: str,
        paginator: Paginator,
        params: Mapping[str, Any],
        *,
        operation: str | None = None,
        includes: int = 0,
    ) -> AsyncGenerator[Page, None]:
        """Every page of a list endpoint, each charged like ``get`` (HttpClient.pages cannot charge per page)."""
        url: str | None = path
        seen: set[str] = set()
        while url is not None:
            if len(seen) >= self.max_pages:
                raise ConnectorError(f"Freshservice list {path} exceeded {self.max_pages} pages; stopping")
            body, headers, final_url = await self.get(
                url, params if not seen else None, operation=operation, includes=includes
            )
            seen.add(final_url)
            page = Page(items=paginator.items(body), body=body, headers=headers, url=final_url)
            yield page
            url = paginator.next_url(page)
            if url is not None and url in seen:
                raise ConnectorError(f"Freshservice pagination loops back to {url}")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


def make_http(
    *,
    base_url: str,
    api_key: str,
    budget: PlanBudget,
    timeout: float,
    max_retries: int,
    include_cost: int = 1,
    transport: httpx2.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> FreshserviceHttp:
    """Basic auth with the API key as user name and ``X`` as password, JSON only."""
    token = base64.b64encode(f"{api_key}:X".encode()).decode("ascii")
    headers = {
        "Authorization": f"Basic {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": "deskpulse",
    }
    pause: Sleep = sleep if sleep is not None else asyncio.sleep
    http = HttpClient(
        base_url=base_url,
        headers=headers,
        budget=budget,
        vendor="Freshservice",
        timeout=timeout,
        max_retries=max_retries,
        transport=transport,
        sleep=pause,
    )
    return FreshserviceHttp(http=http, budget=budget, sleep=pause, include_cost=include_cost)


def iso_z(moment: datetime) -> str:
    """``2025-10-20T01:17:53Z`` (UTC, whole seconds), the format ``updated_since`` takes."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _workspace(params: dict[str, Any], workspace_id: int | None) -> dict[str, Any]:
    if workspace_id is not None:
        params["workspace_id"] = workspace_id
    return params


# https://api.freshservice.com/#list_all_tickets
def list_tickets(
    fs: FreshserviceHttp, *, updated_since: datetime, include: tuple[str, ...] = ("stats",), workspace_id: int | None
) -> AsyncGenerator[Page, None]:
    """Pages of ``GET /tickets?updated_since=...&order_type=asc`` (any status; deleted and spam excluded)."""
    params: dict[str, Any] = {"updated_since": iso_z(updated_since), "order_type": "asc", "per_page": PER_PAGE}
    if include:
        params["include"] = ",".join(include)
    return fs.pages(
        "tickets",
        LinkHeaderPaginator("tickets"),
        _workspace(params, workspace_id),
        operation=LIST_TICKETS,
        includes=len(include),
    )


# https://api.freshservice.com/#filter_tickets
def filter_tickets(fs: FreshserviceHttp, query: str, *, workspace_id: int | None) -> AsyncGenerator[Page, None]:
    """Pages of ``GET /tickets/filter?query="..."`` (``{"tickets", "total"}``), at most FILTER_MAX_PAGES."""
    if len(query) > 512:
        raise ConnectorError(f"Freshservice filter query is {len(query)} characters; the limit is 512")
    params: dict[str, Any] = {"query": f'"{query}"', "per_page": PER_PAGE, "page": 1}
    paginator = TotalCountPaginator("tickets", per_page=PER_PAGE, max_pages=FILTER_MAX_PAGES)
    # [I] The filter sub-limit is undocumented; it is charged to "List All Tickets".
    return fs.pages("tickets/filter", paginator, _workspace(params, workspace_id), operation=LIST_TICKETS)


# https://api.freshservice.com/#view_a_ticket
async def get_ticket(fs: FreshserviceHttp, ticket_id: int, *, include: tuple[str, ...] = ("stats",)) -> dict[str, Any]:
    """``GET /tickets/{id}`` (``{"ticket": {...}}``); raises NotFoundError when the ticket is gone."""
    params = {"include": ",".join(include)} if include else None
    body, _, _ = await fs.get(f"tickets/{ticket_id}", params, operation=VIEW_TICKET, includes=len(include))
    if not isinstance(body, dict) or not isinstance(body.get("ticket"), dict):
        raise ConnectorError(f"unexpected Freshservice response for ticket {ticket_id}: no 'ticket' object")
    return dict(body["ticket"])


# https://api.freshservice.com/#update_ticket_priority ("Update a Ticket")
async def update_ticket(fs: FreshserviceHttp, ticket_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``PUT /tickets/{id}`` with only the fields to change; returns the updated ticket (may be empty)."""
    body, _, _ = await fs.send("PUT", f"tickets/{ticket_id}", dict(fields), operation=VIEW_TICKET)
    found = body.get("ticket") if isinstance(body, dict) else None
    return dict(found) if isinstance(found, dict) else {}


# https://api.freshservice.com/ ("Conversations": create a note)
async def create_note(fs: FreshserviceHttp, ticket_id: int, html: str, *, private: bool = True) -> dict[str, Any]:
    """``POST /tickets/{id}/notes`` with ``{"body": html, "private": ...}``; returns the conversation (may be empty).

    [I] Which sub-limit a note counts against is not documented; it is charged to View/Create/Update Ticket.
    """
    body, _, _ = await fs.send(
        "POST", f"tickets/{ticket_id}/notes", {"body": html, "private": private}, operation=VIEW_TICKET
    )
    found = body.get("conversation") if isinstance(body, dict) else None
    return dict(found) if isinstance(found, dict) else {}


# https://api.freshservice.com/#list_all_ticket_fields
async def list_ticket_fields(fs: FreshserviceHttp) -> list[dict[str, Any]]:
    """``GET /ticket_form_fields``: the form fields, whose ``status`` field lists the custom statuses."""
    body, _, _ = await fs.get("ticket_form_fields")
    fields = body.get("ticket_fields") if isinstance(body, dict) else None
    if not isinstance(fields, list):
        raise ConnectorError("unexpected Freshservice ticket_form_fields response: no 'ticket_fields' array")
    return [f for f in fields if isinstance(f, dict)]


async def _collect(pages: AsyncIterator[Page]) -> list[dict[str, Any]]:
    return [item async for page in pages for item in page.items]


# https://api.freshservice.com/#list_all_agents
async def list_agents(fs: FreshserviceHttp) -> list[dict[str, Any]]:
    """Every agent (``GET /agents``, Link pagination)."""
    params = {"per_page": PER_PAGE}
    return await _collect(fs.pages("agents", LinkHeaderPaginator("agents"), params, operation=LIST_PEOPLE))


# https://api.freshservice.com/#list_all_requesters
async def list_requesters(fs: FreshserviceHttp) -> list[dict[str, Any]]:
    """Every requester (``GET /requesters``, Link pagination)."""
    params = {"per_page": PER_PAGE}
    return await _collect(fs.pages("requesters", LinkHeaderPaginator("requesters"), params, operation=LIST_PEOPLE))


# https://api.freshservice.com/#view_all_group (clients use /groups; the swagger says /agent_groups)
async def list_groups(fs: FreshserviceHttp) -> list[dict[str, Any]]:
    """Every agent group (``GET /groups``)."""
    return await _collect(fs.pages("groups", LinkHeaderPaginator("groups"), {"per_page": PER_PAGE}))


# https://api.freshservice.com/#list_all_departments
async def list_departments(fs: FreshserviceHttp) -> list[dict[str, Any]]:
    """Every department (``GET /departments``)."""
    return await _collect(fs.pages("departments", LinkHeaderPaginator("departments"), {"per_page": PER_PAGE}))


# https://api.freshservice.com/#list_all_departments ("Departments/Companies" in the MSP product)
async def list_companies_or_departments(fs: FreshserviceHttp) -> tuple[str, list[dict[str, Any]]]:
    """``GET /companies`` where it exists (MSP); on 404 the departments. Returns (which, rows)."""
    try:
        return "companies", await _collect(fs.pages("companies", LinkHeaderPaginator("companies"), {"per_page": 100}))
    except NotFoundError:
        return "departments", await list_departments(fs)


# https://api.freshservice.com/#list_all_ticket_conversations
async def list_conversations(fs: FreshserviceHttp, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's conversations; an unknown ticket (404) has none."""
    pages = fs.pages(f"tickets/{ticket_id}/conversations", LinkHeaderPaginator("conversations"), {"per_page": 100})
    try:
        return await _collect(pages)
    except NotFoundError:
        return []


# https://api.freshservice.com/#list_all_ticket_time_entries
async def list_time_entries(fs: FreshserviceHttp, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's time entries; an unknown ticket (404) has none."""
    pages = fs.pages(f"tickets/{ticket_id}/time_entries", LinkHeaderPaginator("time_entries"), {"per_page": 100})
    try:
        return await _collect(pages)
    except NotFoundError:
        return []


# https://api.freshservice.com/#view_csat_response (404 = no response was given)
async def get_csat_response(fs: FreshserviceHttp, ticket_id: int) -> dict[str, Any] | None:
    """The ticket's CSAT response, or None when there is none (404)."""
    try:
        body, _, _ = await fs.get(f"tickets/{ticket_id}/csat_response")
    except NotFoundError:
        return None
    found = body.get("csat_response") if isinstance(body, dict) else None
    return dict(found) if isinstance(found, dict) else None


# https://api.freshservice.com/#list_all_agents (first row only: a cheap credentials check)
async def probe(fs: FreshserviceHttp) -> int:
    """One cheap authenticated call; returns how many agents the one-row page holds (0 or 1)."""
    body, _, _ = await fs.get("agents", {"per_page": 1}, operation=LIST_PEOPLE)
    agents = body.get("agents") if isinstance(body, dict) else None
    return len(agents) if isinstance(agents, list) else 0
