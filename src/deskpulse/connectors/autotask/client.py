"""Autotask REST v1.0 calls, one function per endpoint, plus the query-body builders.

Facts used here are collected, with sources, in /work/shared/vendor-api/autotask.md. Official pages are named by
their DeveloperHelp file (ww*.autotask.net/help/DeveloperHelp/...), since the host varies by zone.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from deskpulse.connectors.autotask.budget import Threshold
from deskpulse.connectors.autotask.http import AutotaskHttp
from deskpulse.connectors.autotask.models import AtThreshold
from deskpulse.connectors.base import ConnectorError, Page

MAX_RECORDS = 500  # [C] MaxRecords must be 1-500
MAX_PAGES = 20_000
Condition = dict[str, Any]


def cond(op: str, field: str, value: Any = None) -> Condition:
    """One filter condition (``exist``/``notExist`` take no value)."""
    item: Condition = {"op": op, "field": field}
    if value is not None:
        item["value"] = value
    return item


def all_of(*items: Condition) -> Condition:
    """An ``and`` group."""
    return {"op": "and", "items": list(items)}


def any_of(*items: Condition) -> Condition:
    """An ``or`` group."""
    return {"op": "or", "items": list(items)}


def at_time(moment: datetime) -> str:
    """``2025-06-01T00:00:00.000Z``: UTC with milliseconds, as clients send it [C]."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def search(*conditions: Condition, include: list[str] | None = None, max_records: int = MAX_RECORDS) -> dict[str, Any]:
    """A query body; top-level conditions are ANDed [C]. ``include`` must contain ``id`` for multi-page reads [D]."""
    body: dict[str, Any] = {"filter": list(conditions), "MaxRecords": max_records}
    if include is not None:
        body["IncludeFields"] = include
    return body


def _items(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ConnectorError("unexpected Autotask query response: no 'items' array")
    return [item for item in body["items"] if isinstance(item, dict)]


def _next_url(body: Mapping[str, Any], items: list[dict[str, Any]]) -> str | None:
    details = body.get("pageDetails")
    link = details.get("nextPageUrl") if isinstance(details, dict) else None
    # An empty page ends the walk even if a link is present, so a server cannot loop us forever.
    return link if isinstance(link, str) and link and items else None


# REST_Basic_Query_Calls.htm / REST_Advanced_Query_Features.htm
async def query(at: AutotaskHttp, entity: str, body: Mapping[str, Any]) -> AsyncGenerator[Page, None]:
    """Every page of ``POST {entity}/query``, following ``pageDetails.nextPageUrl`` (absolute) with GET [C]."""
    url: str | None = f"{entity}/query"
    seen: set[str] = set()
    first = True
    while url is not None:
        if len(seen) >= MAX_PAGES:
            raise ConnectorError(f"Autotask query on {entity} exceeded {MAX_PAGES} pages; stopping")
        data = await at.read("POST", url, json_body=dict(body)) if first else await at.read("GET", url)
        first = False
        seen.add(url)
        items = _items(data)
        yield Page(items=items, body=data, headers={}, url=url)
        url = _next_url(data, items)
        if url is not None and url in seen:
            raise ConnectorError(f"Autotask pagination loops back to {url}")


async def query_all(at: AutotaskHttp, entity: str, body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """All rows of a query, de-duplicated by id (a row can move between pages while we read)."""
    found: dict[Any, dict[str, Any]] = {}
    async for page in query(at, entity, body):
        for item in page.items:
            found[item.get("id", len(found))] = item
    return list(found.values())


# REST_Basic_Query_Calls.htm ("query/count")
async def count(at: AutotaskHttp, entity: str, *conditions: Condition) -> int:
    """``POST {entity}/query/count`` -> ``{"queryCount": n}`` [C]."""
    body = await at.read("POST", f"{entity}/query/count", json_body={"filter": list(conditions)})
    value = body.get("queryCount") if isinstance(body, dict) else None
    if not isinstance(value, int):
        raise ConnectorError(f"unexpected Autotask count response for {entity}: no 'queryCount'")
    return value


# TicketsEntity.htm ("Tickets/{id}", GET)
async def get_item(at: AutotaskHttp, entity: str, item_id: int) -> dict[str, Any] | None:
    """``GET {entity}/{id}`` -> ``{"item": {...}}``; ``{"item": null}`` means no such record [C]."""
    body = await at.read("GET", f"{entity}/{item_id}")
    if not isinstance(body, dict) or "item" not in body:
        raise ConnectorError(f"unexpected Autotask response for {entity}/{item_id}: no 'item'")
    item = body["item"]
    return dict(item) if isinstance(item, dict) else None


# TicketsEntity.htm ("Tickets/entityInformation/fields")
async def entity_fields(at: AutotaskHttp, entity: str) -> list[dict[str, Any]]:
    """``GET {entity}/entityInformation/fields``: field metadata with tenant-specific picklists [C]."""
    body = await at.read("GET", f"{entity}/entityInformation/fields")
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, list):
        raise ConnectorError(f"unexpected Autotask entityInformation response for {entity}: no 'fields' array")
    return [f for f in fields if isinstance(f, dict)]


# REST_Thresholds_Limits.htm; shape from go-autotask middleware/threshold.go [C]
async def threshold_information(at: AutotaskHttp) -> Threshold:
    """``GET ThresholdInformation``: the database's hourly limit and how much of it is used."""
    body = await at.read("GET", "ThresholdInformation")
    try:
        raw = AtThreshold.model_validate(body)
    except ValidationError as exc:
        raise ConnectorError("unexpected Autotask ThresholdInformation response") from exc
    return Threshold(raw.externalRequestThreshold, raw.requestThresholdTimeframe, raw.currentTimeframeRequestCount)


def _item_id(body: Any, what: str) -> int:
    item_id = body.get("itemId") if isinstance(body, dict) else None
    if not isinstance(item_id, int):
        raise ConnectorError(f"Autotask accepted the {what} but sent no itemId")
    return item_id


# Creating resources via POST request in the REST API [D]
async def create(at: AutotaskHttp, entity: str, body: Mapping[str, Any]) -> int:
    """``POST {entity}`` -> the new record's ``itemId``."""
    return _item_id(await at.write("POST", entity, body), f"new {entity}")


# TicketsEntity.htm ("Tickets", PATCH): only the listed fields change [C]
async def patch(at: AutotaskHttp, entity: str, item_id: int, fields: Mapping[str, Any]) -> int:
    """``PATCH {entity}`` with ``{"id": .., <fields>}`` -> the ``itemId``."""
    return _item_id(await at.write("PATCH", entity, {"id": item_id, **fields}), f"{entity} update")


# TicketNotesEntity.htm; child collection Tickets/{id}/Notes [C]
async def create_child(at: AutotaskHttp, parent: str, parent_id: int, child: str, body: Mapping[str, Any]) -> int:
    """``POST {parent}/{id}/{child}`` -> the new record's ``itemId``."""
    return _item_id(await at.write("POST", f"{parent}/{parent_id}/{child}", body), f"new {child}")
