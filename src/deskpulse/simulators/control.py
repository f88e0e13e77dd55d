"""The control plane every simulator serves outside its API: inject faults, move simulated time, read state."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from deskpulse.simulators.faults import FaultController, FaultPlan, json_error


class Evolving(Protocol):
    """A scenario whose time can be moved forward."""

    @property
    def now(self) -> datetime: ...

    def advance(self, until: datetime) -> None: ...


def control_routes(scenario: Evolving, faults: FaultController, state: Callable[[], dict[str, Any]]) -> list[BaseRoute]:
    """``/_sim/faults`` (POST / GET / DELETE), ``/_sim/advance`` and ``/_sim/state`` for demos and tests."""

    async def set_faults(request: Request) -> Response:
        try:
            plan = FaultPlan.from_dict(await request.json())
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError
            return json_error(400, str(exc))
        faults.set(plan)
        return JSONResponse(plan.to_dict())

    async def get_faults(request: Request) -> Response:
        return JSONResponse(faults.plan.to_dict())

    async def clear_faults(request: Request) -> Response:
        faults.clear()
        return Response(status_code=204)

    async def advance(request: Request) -> Response:
        try:
            seconds = float((await request.json())["seconds"])
        except (ValueError, TypeError, KeyError):
            return json_error(400, 'body must be {"seconds": N} with N >= 0')
        if not math.isfinite(seconds) or seconds < 0:
            return json_error(400, "seconds must be a finite number >= 0")
        scenario.advance(scenario.now + timedelta(seconds=seconds))
        return JSONResponse(state())

    async def current(request: Request) -> Response:
        return JSONResponse(state())

    return [
        Route("/_sim/faults", set_faults, methods=["POST"]),
        Route("/_sim/faults", get_faults, methods=["GET"]),
        Route("/_sim/faults", clear_faults, methods=["DELETE"]),
        Route("/_sim/advance", advance, methods=["POST"]),
        Route("/_sim/state", current, methods=["GET"]),
    ]
