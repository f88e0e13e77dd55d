"""The worker loop runs the engine at once, again right after a good sync cycle, and stops when asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alerts_support import T0, desk_config
from deskpulse.alerts.worker import AlertsWorker
from deskpulse.store.db import Database
from deskpulse.sync.engine import CycleResult


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0)


async def test_the_worker_runs_at_once_after_each_good_cycle_and_stops(db: Database) -> None:
    worker = AlertsWorker(db, desk_config(), clock=lambda: T0)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    await asyncio.wait_for(until(lambda: worker.runs == 1), timeout=10)
    await worker.cycle_finished(CycleResult(ok=False, source="desk", started_at=T0, seconds=1, requests=1))
    await worker.cycle_finished(CycleResult(ok=True, source="desk", started_at=T0, seconds=1, requests=1))
    await asyncio.wait_for(until(lambda: worker.runs == 2), timeout=10)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert worker.runs == 2
