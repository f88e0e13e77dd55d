"""The request budget paces calls under the vendor's published limit and listens to its headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from deskpulse.connectors.base import RequestBudget, retry_after_seconds
from support import RecordingSleep


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def test_the_budget_never_lets_more_than_the_share_through_in_a_minute() -> None:
    clock = FakeClock()
    budget = RequestBudget(120, 0.5, clock=clock)
    sleep = RecordingSleep()

    async def advancing_sleep(seconds: float) -> None:
        await sleep(seconds)
        clock.t += seconds

    for _ in range(130):
        await budget.acquire(advancing_sleep)
        clock.t += 0.01
    # 60 per minute: requests 61..120 wait for the first minute to pass, 121..130 for the second.
    assert budget.requests_made == 130
    assert sum(sleep.waits) >= 60.0


async def test_a_vendor_reporting_zero_remaining_makes_the_next_call_wait() -> None:
    clock = FakeClock()
    budget = RequestBudget(120, clock=clock)
    sleep = RecordingSleep()
    await budget.acquire(sleep)
    budget.observe({"x-ratelimit-remaining": "0", "x-ratelimit-limit": "120"})
    assert budget.remaining == 0
    await budget.acquire(sleep)
    assert sleep.waits and sleep.waits[0] >= 1.0
    assert budget.vendor_limit == 120


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
