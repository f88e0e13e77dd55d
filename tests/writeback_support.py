"""Helpers for ticket-action tests: an in-process transport that breaks the simulator only once writing starts."""

from __future__ import annotations

from typing import Any

import httpx2

from deskpulse.simulators.faults import FaultPlan


class FaultOnWrite(httpx2.AsyncBaseTransport):
    """The simulator in-process, healthy for reads; write number ``after_writes + 1`` (any method but GET) arms
    ``plan`` on it. The simulator's own fault injection is used, so the failure looks as it does on the wire."""

    def __init__(self, app: Any, plan: FaultPlan, *, after_writes: int = 0) -> None:
        self.app = app
        self.plan = plan
        self.writes_left = after_writes
        self.armed = False
        self._inner = httpx2.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.method != "GET" and not self.armed:
            if self.writes_left == 0:
                self.app.state.faults.set(self.plan)
                self.armed = True
            else:
                self.writes_left -= 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def writes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every non-GET request the simulator received."""
    return [(method, path) for method, path, _ in app.state.request_log if method != "GET"]
