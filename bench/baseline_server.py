"""The old tool's approach, as the baseline: every dashboard view refetches everything from Trengo.

``python bench/baseline_server.py --port P --sim-url http://127.0.0.1:S/api/v2`` serves ``/api/dashboard``
which, per request, pages through ``/teams``, ``/users``, ``/tickets?status=OPEN`` and
``/tickets?status=ASSIGNED`` (25 per page, following ``links.next`` one page at a time, as Trengo's simple
paginator has no page count) and aggregates totals, per team, per agent and age buckets in Python.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from deskpulse.domain.board import AGE_BUCKETS, age_bucket

TZ = ZoneInfo("Europe/Amsterdam")


async def pages(client: httpx2.AsyncClient, url: str, params: dict[str, Any]) -> AsyncIterator[list[dict[str, Any]]]:
    """Every page's ``data`` of one list endpoint, following ``links.next`` (bounded at 20,000 pages)."""
    resp = await client.get(url, params=params)
    for _ in range(20_000):
        resp.raise_for_status()
        body = resp.json()
        yield body["data"]
        nxt = body["links"]["next"]
        if not nxt or not body["data"]:
            return
        resp = await client.get(nxt)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


async def refetch_view(client: httpx2.AsyncClient, base: str) -> dict[str, Any]:
    """One dashboard view the old way: fetch the whole open set and the directory, then count."""
    teams = {t["id"]: t["name"] async for page in pages(client, f"{base}/teams", {"page": 1}) for t in page}
    users = {u["id"]: u["name"] async for page in pages(client, f"{base}/users", {"page": 1}) for u in page}
    now = datetime.now(UTC)
    today = now.astimezone(TZ).date()
    summary: Counter[str] = Counter()
    per_team: Counter[Any] = Counter()
    per_agent: Counter[Any] = Counter()
    ages: Counter[str] = Counter({b.key: 0 for b in AGE_BUCKETS})
    for status in ("OPEN", "ASSIGNED"):
        async for page in pages(client, f"{base}/tickets", {"status": status, "page": 1}):
            for ticket in page:
                created = _parse(ticket["created_at"])
                summary["total"] += 1
                summary["new" if status == "OPEN" else "assigned"] += 1
                summary["new_today"] += created.astimezone(TZ).date() == today
                per_team[ticket["team_id"]] += 1
                if status == "ASSIGNED" and ticket["user_id"] is not None:
                    per_agent[ticket["user_id"]] += 1
                ages[age_bucket(created, now, TZ)] += 1
    return {
        "summary": dict(summary),
        "teams": [{"id": t, "name": teams.get(t, "No team"), "total": n} for t, n in per_team.most_common()],
        "users": [{"id": u, "name": users.get(u, f"Agent {u}"), "assigned": n} for u, n in per_agent.most_common()],
        "age_buckets": dict(ages),
    }


def build_app(sim_url: str, token: str) -> Starlette:
    """The baseline app; one HTTP client (keep-alive) shared by all views, like a long-running tool."""
    client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}, timeout=60)

    async def dashboard(_: Request) -> JSONResponse:
        return JSONResponse(await refetch_view(client, sim_url))

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/api/dashboard", dashboard), Route("/health", health)])


def main() -> None:
    """Parse arguments and serve until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sim-url", required=True)
    parser.add_argument("--token", default="bench-token")
    args = parser.parse_args()
    uvicorn.run(build_app(args.sim_url, args.token), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
