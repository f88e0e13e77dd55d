"""Runs the targeted refreshes that webhook callouts ask for, in the background of the web process.

A callout is answered at once; its ticket ids join the source's pending set. One task per source drains that set
in batches of ``MAX_TICKETS_PER_REFRESH`` (so a burst of callouts becomes a few vendor reads, not one task each),
publishes ``tickets.changed`` with cause ``webhook`` and empties the process's cached views. Tasks are kept in
``tasks`` so they are not garbage-collected; their errors are logged, never raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from deskpulse.config import TicketSource
from deskpulse.connectors.registry import build_connector
from deskpulse.live.service import LiveService, ticket_events
from deskpulse.sync.engine import SyncEngine
from deskpulse.sync.refresh import MAX_TICKETS_PER_REFRESH, RefreshResult, refresh_tickets
from deskpulse.web.view_cache import clear_views

log = logging.getLogger(__name__)
# Ids waiting per source beyond this are dropped (logged): the next full cycle brings those tickets anyway.
MAX_PENDING = 500
CAUSE = "webhook"


class HookRefresher:
    """Coalesces callouts per source and refreshes their tickets; ``state`` is the app's state."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.tasks: set[asyncio.Task[None]] = set()
        self._pending: dict[str, dict[str, None]] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._engines: dict[str, SyncEngine] = {}

    def submit(self, source: TicketSource, external_ids: Iterable[str]) -> None:
        """Queue ``external_ids`` of ``source`` for a refresh and make sure a task is draining that source."""
        pending = self._pending.setdefault(source.name, {})
        dropped = 0
        for ext_id in external_ids:
            if len(pending) >= MAX_PENDING and ext_id not in pending:
                dropped += 1
                continue
            pending[ext_id] = None
        if dropped:
            log.warning("webhook refresh of %s is behind; %d ticket id(s) left to the next cycle", source.name, dropped)
        if source.name in self._running:
            return  # the running task takes the new ids in its next batch
        task = asyncio.create_task(self._drain(source), name=f"deskpulse-hook-{source.name}")
        self._running[source.name] = task
        self.tasks.add(task)
        task.add_done_callback(lambda done: self._finished(source.name, done))

    def _finished(self, name: str, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if self._running.get(name) is task:
            del self._running[name]

    async def _drain(self, source: TicketSource) -> None:
        pending = self._pending[source.name]
        try:
            while pending:
                batch = list(pending)[:MAX_TICKETS_PER_REFRESH]
                for ext_id in batch:
                    del pending[ext_id]
                await self._refresh(source, batch)
        except Exception:  # never let a background task die with an unobserved exception
            log.exception("webhook refresh of %s failed", source.name)
            pending.clear()
        finally:
            # In the same step as the empty-queue check: a callout arriving after this starts a new task.
            current = asyncio.current_task()
            if current is not None:
                self._finished(source.name, current)

    async def _refresh(self, source: TicketSource, batch: list[str]) -> RefreshResult:
        engine = await self._engine(source)
        result = await refresh_tickets(engine, batch)
        if not result.ok:
            log.warning("webhook refresh of %s tickets %s failed: %s", source.name, ", ".join(batch), result.error)
            return result
        log.info(
            "webhook refresh of %s: %d ticket(s) read, %d gone, %d changed",
            source.name, result.found, result.deleted, sum(len(v) for v in result.stats.touched.values()),
        )  # fmt: skip
        if result.stats.touched:
            clear_views(self.state)
            live: LiveService = self.state.live
            await live.publish(ticket_events(source.name, result.stats.touched, result.started_at, CAUSE))
        return result

    async def _engine(self, source: TicketSource) -> SyncEngine:
        engine = self._engines.get(source.name)
        if engine is None:
            kwargs = self.state.connector_kwargs.get(source.name, {})
            connector = build_connector(source, **kwargs)
            # The engine registers the source and the clients in the store: off the event loop.
            engine = await asyncio.to_thread(SyncEngine, self.state.db, self.state.config, source, connector)
            self._engines[source.name] = engine
        return engine

    async def wait_idle(self) -> None:
        """Wait until every queued refresh has run (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def aclose(self, timeout: float = 10.0) -> None:
        """Let running refreshes finish (cancel them after ``timeout``), then close the connectors."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait_idle(), timeout)
        for task in list(self.tasks):
            task.cancel()
        for engine in self._engines.values():
            await engine.connector.aclose()
        self._engines.clear()
