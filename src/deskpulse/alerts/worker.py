"""The alerts loop of a worker process: run the engine on a timer (time-based conditions such as "unassigned for
30 minutes" come true without any sync) and right after every sync cycle that succeeded; prune old history once a
day (one worker of many does it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from deskpulse.alerts.retention import prune_if_due
from deskpulse.alerts.runner import AlertsRun, alerts_config, run_alerts
from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.live.service import LiveService
from deskpulse.store.db import Database
from deskpulse.sync.engine import CycleResult
from deskpulse.web.uptime_view import UptimeView

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
        self.pruned: int | None = None  # alerts deleted by the last prune this worker ran
        # Kept between runs: this month's uptime figures are recomputed only for what changed since.
        self.uptime = UptimeView(config)
        self._wake = asyncio.Event()

    async def cycle_finished(self, result: CycleResult) -> None:
        """Ask for a run soon (pass as, or call from, the scheduler's ``on_result``)."""
        if result.ok:
            self._wake.set()

    async def run_once(self) -> AlertsRun | None:
        """One run; an error is logged, never raised (the next run tries again)."""
        self.runs += 1
        now = self.clock()
        try:
            done = await run_alerts(self.db, self.config, now, live=self.live, connector_kwargs=self.connector_kwargs,
                                    uptime=self.uptime)  # fmt: skip
        except Exception:
            log.exception("the alerts run failed; trying again at the next one")
            return None
        await self.prune(now)
        return done

    async def prune(self, now: datetime) -> int | None:
        """Delete resolved alerts older than ``[alerts] history_days`` if no worker did today; how many, or None
        when it was not due (or failed: it is logged and tried again at the next run)."""
        days = alerts_config(self.config).history_days

        def run() -> int | None:
            with self.db.session() as session:
                return prune_if_due(session, now, days)

        try:
            found = await asyncio.to_thread(run)
        except Exception:
            log.exception("pruning alert history failed; trying again at the next run")
            return None
        if found is not None:
            self.pruned = found
            log.info("pruned %d resolved alerts older than %d days", found, days)
        return found

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
