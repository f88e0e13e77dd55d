"""Trengo REST API v2 calls, one function per endpoint.

Facts used here are collected, with sources, in docs/connectors/trengo.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import httpx2

from deskpulse.connectors.base import HttpClient, LinksNextPaginator, Page, RequestBudget, Sleep

PAGE_SIZE = 25  # fixed by Trengo for /tickets; `limit` is not honoured
_PAGINATOR = LinksNextPaginator()


def make_http(
    *,
    base_url: str,
    token: str,
    budget: RequestBudget,
    timeout: float,
    max_retries: int,
    transport: httpx2.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> HttpClient:
    """An HTTP client with Trengo's Bearer auth and JSON headers."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": "deskpulse",
    }
    kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    return HttpClient(
        base_url=base_url,
        headers=headers,
        budget=budget,
        vendor="Trengo",
        timeout=timeout,
        max_retries=max_retries,
        transport=transport,
        **kwargs,
    )


# https://developers.trengo.com/reference/list-all-tickets
def list_tickets(http: HttpClient, *, status: str, sort: str | None = None) -> AsyncIterator[Page]:
    """Pages of ``GET /tickets?status=...`` (simple paginator: follow links.next)."""
    params: dict[str, Any] = {"status": status, "page": 1}
    if sort:
        params["sort"] = sort
    return http.pages("tickets", _PAGINATOR, params)


# https://developers.trengo.com/reference/get-a-ticket
async def get_ticket(http: HttpClient, ticket_id: str) -> Mapping[str, Any]:
    """``GET /tickets/{id}``; raises NotFoundError for deleted or merged tickets."""
    body, _, _ = await http.request_json("GET", f"tickets/{ticket_id}")
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return dict(body["data"])
    return dict(body) if isinstance(body, dict) else {}


# https://developers.trengo.com/reference/assign-a-ticket
async def assign_ticket(http: HttpClient, ticket_id: str, body: Mapping[str, Any]) -> None:
    """``POST /tickets/{id}/assign`` with ``{type: "user"|"team", user_id, team_id, note}``."""
    await http.request_json("POST", f"tickets/{ticket_id}/assign", json_body=dict(body))


# https://developers.trengo.com/reference/close-a-ticket
async def close_ticket(http: HttpClient, ticket_id: str) -> None:
    """``POST /tickets/{id}/close`` (no ticket result)."""
    await http.request_json("POST", f"tickets/{ticket_id}/close")


# Reopen: PyTrengo calls ``POST /tickets/{id}/reopen`` (shared/vendor-api/trengo.md, "Ticket actions").
async def reopen_ticket(http: HttpClient, ticket_id: str) -> None:
    """``POST /tickets/{id}/reopen``; Trengo picks OPEN or ASSIGNED from the assignment."""
    await http.request_json("POST", f"tickets/{ticket_id}/reopen")


# https://developers.trengo.com/reference/list-all-teams
def list_teams(http: HttpClient) -> AsyncIterator[Page]:
    """Pages of ``GET /teams`` (full paginator; we still follow links.next)."""
    return http.pages("teams", _PAGINATOR, {"page": 1})


# https://developers.trengo.com/reference/list-all-users
def list_users(http: HttpClient) -> AsyncIterator[Page]:
    """Pages of ``GET /users``."""
    return http.pages("users", _PAGINATOR, {"page": 1})


# https://developers.trengo.com/reference/list-all-users (first page only: a cheap credentials check)
async def probe(http: HttpClient) -> int:
    """One cheap authenticated call; returns how many users the first page holds."""
    body, _, _ = await http.request_json("GET", "users", params={"page": 1})
    return len(body.get("data", [])) if isinstance(body, dict) else 0


def latest_message_at(item: Mapping[str, Any]) -> str | None:
    """The ``latest_message.created_at`` string of a raw ticket (the field ``sort=-date`` orders by)."""
    latest = item.get("latest_message")
    value = latest.get("created_at") if isinstance(latest, dict) else None
    return value if isinstance(value, str) else None


def older_than(value: str | None, watermark: datetime, parse: Any) -> bool:
    """True when the timestamp string ``value`` lies before ``watermark`` (unknown counts as not older)."""
    parsed = parse(value)
    return parsed is not None and parsed < watermark
