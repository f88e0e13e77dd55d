"""Reading the whole active set through ``/tickets/filter`` despite its page cap.

The filter endpoint returns at most FILTER_MAX_PAGES pages [I]. When ``total`` says the query matches more,
the query is split into ``created_at`` ranges, halving until each range fits; a single day that still
overflows is read one status, then one priority, at a time. Dates are whole days and the
docs say ``:>`` is >= and ``:<`` is <=; to stay correct whichever way the boundary day falls, each range
reaches one day back, and the overlap is removed by de-duplicating on ticket id.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from deskpulse.connectors.freshservice import client

EPOCH = date(2010, 1, 1)  # [I] earlier than any Freshservice account (the product launched in 2011)
QUERY_LIMIT = 512
_DATE_CLAUSE = " AND created_at:>'yyyy-mm-dd' AND created_at:<'yyyy-mm-dd'"


@dataclass(slots=True)
class ActiveRead:
    """Raw tickets by id, and sentences about anything that could not be read completely."""

    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    queries: int = 0


def status_queries(codes: list[int]) -> list[str]:
    """``status:2 OR status:3 ...`` clauses, chunked so each fits the 512-character limit with a date range."""
    room = QUERY_LIMIT - len(_DATE_CLAUSE) - 2  # 2 for the parentheses
    chunks: list[str] = []
    current = ""
    for code in codes:
        term = f"status:{code}"
        candidate = f"{current} OR {term}" if current else term
        if len(candidate) > room and current:
            chunks.append(current)
            candidate = term
        current = candidate
    if current:
        chunks.append(current)
    return chunks


def _ranged(statuses: str, start: date, end: date) -> str:
    return f"({statuses}) AND created_at:>'{start - timedelta(days=1):%Y-%m-%d}' AND created_at:<'{end:%Y-%m-%d}'"


async def read_active(
    fs: client.FreshserviceHttp, codes: list[int], *, today: date, workspace_id: int | None
) -> ActiveRead:
    """Every ticket whose status is in ``codes``; splits by creation date when a query overflows the cap."""
    result = ActiveRead()
    for statuses in status_queries(codes):
        await _read(fs, statuses, None, result, workspace_id=workspace_id, today=today)
    return result


async def _read(
    fs: client.FreshserviceHttp,
    statuses: str,
    span: tuple[date, date] | None,
    result: ActiveRead,
    *,
    workspace_id: int | None,
    today: date,
) -> None:
    cap = client.PER_PAGE * client.FILTER_MAX_PAGES
    query = statuses if span is None else _ranged(statuses, *span)
    result.queries += 1
    first = True
    async with aclosing(client.filter_tickets(fs, query, workspace_id=workspace_id)) as pages:
        async for page in pages:
            total = page.body.get("total") if isinstance(page.body, dict) else None
            if first and isinstance(total, int) and total > cap:
                start, end = span or (EPOCH, today + timedelta(days=1))
                if (end - start).days > 1:
                    middle = start + (end - start) // 2
                    await _read(fs, statuses, (start, middle), result, workspace_id=workspace_id, today=today)
                    await _read(fs, statuses, (middle, end), result, workspace_id=workspace_id, today=today)
                    return
                narrower = _narrower(statuses)
                if narrower:
                    # One day is still too many (a mass incident): one status at a time, then one priority.
                    for clause in narrower:
                        await _read(fs, clause, (start, end), result, workspace_id=workspace_id, today=today)
                    return
                result.warnings.append(
                    f"Freshservice filter matched {total} tickets created on {start:%Y-%m-%d}; only {cap} can be read"
                )
            first = False
            for item in page.items:
                if isinstance(item.get("id"), int):
                    result.tickets[item["id"]] = item


PRIORITIES = (1, 2, 3, 4)  # Low, Medium, High, Urgent [D]


def _narrower(statuses: str) -> list[str]:
    """Smaller clauses that together match what ``statuses`` matches: per status, then per priority."""
    terms = statuses.split(" OR ")
    if len(terms) > 1:
        return terms
    if "priority:" not in statuses:
        return [f"{statuses} AND priority:{p}" for p in PRIORITIES]
    return []
