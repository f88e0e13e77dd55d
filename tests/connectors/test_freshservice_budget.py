"""A sync of 5,000 active Freshservice tickets stays inside the plan's per-minute budget: no 429, ever."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2

from deskpulse.connectors.freshservice import FreshserviceConnector, FreshserviceSettings
from deskpulse.simulators.freshservice import FreshserviceScenario, create_app

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


class SharedClock:
    """One fake monotonic clock for the vendor's limiter and our budget; sleeping moves it forward."""

    def __init__(self) -> None:
        self.t = 10_000.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def test_reading_5000_active_tickets_never_exceeds_the_starter_plan() -> None:
    clock = SharedClock()
    scenario = FreshserviceScenario.bulk(active_tickets=5_000, seed=3, now=NOW)
    app = create_app(scenario, plan="starter", clock=clock)
    statuses: list[int] = []

    class Recording(httpx2.ASGITransport):
        """Notes every status the vendor answered; each call takes a little time."""

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            response = await super().handle_async_request(request)
            statuses.append(response.status_code)
            clock.t += 0.05
            return response

    settings = FreshserviceSettings(name="fs", base_url="http://fs.test/api/v2", api_key="sim-fs-key", plan="starter")
    connector = FreshserviceConnector(
        settings, transport=Recording(app=app), sleep=clock.sleep, now=lambda: NOW, monotonic=clock
    )

    active = await connector.fetch_active()
    changed = await connector.fetch_changed_since(NOW.replace(hour=0))

    assert len(active) == len(scenario.active_tickets())
    assert changed, "the day's changes are read too"
    assert 429 not in statuses, "the budget must keep us under the vendor's limit, not the vendor's 429s"
    assert clock.t - 10_000.0 > 60, "5,000 tickets need more list calls than one minute's budget allows"
