"""The Trengo simulator as a child process for benchmarks, with a few bench-only control routes.

``python bench/sim_server.py --port P --open-tickets N [--latency S]`` serves
``TrengoScenario.bulk(N)`` on 127.0.0.1:P. Extra routes (outside ``/api/v2``, never counted as vendor calls):

* ``GET /_bench/requests``: how many API requests were answered (``app.state.request_log``);
* ``GET /_bench/stats``: open/assigned counts and the page counts one old-style view must fetch;
* ``POST /_bench/change {"fraction": F}``: reassign every (1/F)-th open ticket to another agent.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from deskpulse.simulators.trengo import FULL_PER_PAGE, TICKETS_PER_PAGE, create_app
from deskpulse.simulators.trengo_scenario import TrengoScenario


def build_app(open_tickets: int, *, token: str, latency: float, rate_limit: int) -> Starlette:
    """The simulator app for ``TrengoScenario.bulk(open_tickets)`` plus the ``/_bench`` routes."""
    scenario = TrengoScenario.bulk(open_tickets)
    app = create_app(scenario, token=token, rate_limit_per_minute=rate_limit, latency_seconds=latency)

    async def requests(_: Request) -> JSONResponse:
        return JSONResponse({"requests": len(app.state.request_log)})

    async def stats(_: Request) -> JSONResponse:
        new = len(scenario.list_tickets(status="OPEN"))
        assigned = len(scenario.list_tickets(status="ASSIGNED"))
        pages = {
            "open_pages": max(1, math.ceil(new / TICKETS_PER_PAGE)),
            "assigned_pages": max(1, math.ceil(assigned / TICKETS_PER_PAGE)),
            "team_pages": max(1, math.ceil(len(scenario.teams) / FULL_PER_PAGE)),
            "user_pages": max(1, math.ceil(len(scenario.users) / FULL_PER_PAGE)),
        }
        return JSONResponse({"open": new, "assigned": assigned, **pages})

    async def change(request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        step = max(1, round(1 / float(body["fraction"])))
        users = sorted(scenario.users)
        targets = scenario.open_tickets()[::step]
        for ticket in targets:
            current = ticket["user_id"]
            nxt = users[(users.index(current) + 1) % len(users)] if current in users else users[0]
            scenario.assign(ticket["id"], user_id=nxt)
        return JSONResponse({"changed": len(targets)})

    app.router.routes.append(Route("/_bench/requests", requests, methods=["GET"]))
    app.router.routes.append(Route("/_bench/stats", stats, methods=["GET"]))
    app.router.routes.append(Route("/_bench/change", change, methods=["POST"]))
    return app


def main() -> None:
    """Parse arguments and serve until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--open-tickets", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--token", default="bench-token")
    parser.add_argument("--rate-limit", type=int, default=1_000_000)
    args = parser.parse_args()
    app = build_app(args.open_tickets, token=args.token, latency=args.latency, rate_limit=args.rate_limit)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
