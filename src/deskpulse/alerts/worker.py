"""The alerts loop of a worker process: run the engine on a timer (time-based conditions such as "unassigned for
30 minutes" come true without any sync) and right after every sync cycle that succeeded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from deskpulse.alerts.runner import AlertsRun, alerts_config, run_alerts
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.live.service import LiveService
from deskpulse.store.db import Database
from deskpulse.sync.engine import CycleResult

log = logging.getLogger(__name__)


class AlertsWorker:
    """Evaluates, applies and delivers every ``[alerts] evaluate_seconds`` and after each good sync cycle.
    Several processes may each run one: the engine is idempotent across workers."""

    def __init__(
        self, db: Database, config: Config, *, live: LiveService | None = None,
        clock: Callable[[], datetime] = utcnow, connector_kwargs: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:  # fmt: skip
        self.db = db
        self.config = config
        self.live = live
        self.clock = clock
        self.connector_kwargs = connector_kwargs
        self.runs = 0
        self._wake = asyncio.Event()

    async def cycle_finished(self, result: CycleResult) -> None:
        """Ask for a run soon (pass as, or call from, the scheduler's ``on_result``)."""
        if result.ok:
            self._wake.set()

    async def run_once(self) -> AlertsRun | None:
        """One run; an error is logged, never raised (the next run tries again)."""
        self.runs += 1
        try:
            return await run_alerts(self.db, self.config, self.clock(), live=self.live,
                                    connector_kwargs=self.connector_kwargs)  # fmt: skip
        except Exception:
            log.exception("the alerts run failed; trying again at the next one")
            return None

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set: at once, then after each sync cycle or ``evaluate_seconds``."""
        interval = alerts_config(self.config).evaluate_seconds
        while not stop.is_set():
            self._wake.clear()
            await self.run_once()
            waits = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
            await asyncio.wait(waits, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for task in waits:
                task.cancel()
