"""Runs every source's cycles on its cadence, inside the vendor's request budget, under a lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from deskpulse.clock import utcnow
from deskpulse.config import Config, TicketSource
from deskpulse.connectors.protocol import Connector, Progress
from deskpulse.store.db import Database
from deskpulse.store.outage import log_failure, store_outage
from deskpulse.store.sources import release_lease, try_lease
from deskpulse.store.tables import SourceRow
from deskpulse.sync.cycle_log import log_cycle
from deskpulse.sync.engine import CycleResult, SyncEngine
from deskpulse.sync.retention import apply_retention

log = logging.getLogger(__name__)
HEADROOM = 1.1  # plan cycles so that they use at most ~90% of the share of the budget we gave ourselves
PERMANENT_RETRY_SECONDS = 300.0
RETENTION_EVERY = timedelta(hours=1)
# On shutdown an in-flight cycle gets this long to commit before it is cancelled (a fetch still running is dropped).
SHUTDOWN_GRACE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Cadence:
    """How long to wait before the next cycle, and a sentence when the budget forced a longer wait."""

    seconds: float
    note: str | None


def plan_cadence(source: TicketSource, requests_last_cycle: int, budget_per_minute: int) -> Cadence:
    """Stretch the poll interval when one cycle needs more requests than the budget allows per interval."""
    needed = requests_last_cycle * 60.0 / max(1, budget_per_minute) * HEADROOM
    if needed <= source.poll_seconds:
        return Cadence(source.poll_seconds, None)
    note = (
        f"a full cycle needs {requests_last_cycle} requests; at {budget_per_minute} requests/minute "
        f"polling every {needed:.0f} s instead of every {source.poll_seconds:.0f} s"
    )
    return Cadence(needed, note)


def default_owner() -> str:
    """A lease owner name unique to this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_length(source: TicketSource, config: Config) -> timedelta:
    """How long one cycle's lease lasts: ``max(lease_seconds, 5 × poll_seconds)``; a dead holder blocks the
    source that long. Not renewed during the cycle, so every cycle must fit in it."""
    return timedelta(seconds=max(config.lease_seconds, source.poll_seconds * 5))


class Scheduler:
    """Polls each configured source; many schedulers (processes) can share one database safely."""

    def __init__(
        self,
        db: Database,
        config: Config,
        connectors: dict[str, Connector],
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_result: Callable[[CycleResult], Awaitable[None]] | None = None,
        refresh: Callable[[], Config] | None = None,
        connector_factory: Callable[[TicketSource], Connector] | None = None,
    ) -> None:
        self.db = db
        self.on_result = on_result
        self.config = config
        self.owner = owner or default_owner()
        self.clock = clock
        self.engines = {
            s.name: SyncEngine(db, config, s, connectors[s.name], clock=clock) for s in config.ticket_sources
        }
        self._next_run: dict[str, datetime] = {}
        self._last_retention: datetime | None = None
        # With both set, each loop re-reads the effective source list (settings saved in the browser) and starts,
        # restarts or stops engines to match it, without a restart of the process.
        self.refresh = refresh
        self.connector_factory = connector_factory
        # Tickets fetched so far by a running cycle, per source (the first-sync page shows it).
        self.fetched: dict[str, int] = {}
        # Cycle results the store could not take (it was away), written at the source's next claim.
        self._unrecorded: dict[str, CycleResult] = {}

    async def follow_settings(self) -> None:
        """Match the engines to the effective configuration: new sources start, changed ones restart with their
        new settings, removed or disabled ones stop (their stored tickets stay)."""
        if self.refresh is None or self.connector_factory is None:
            return
        try:
            config = await asyncio.to_thread(self.refresh)
        except Exception as exc:  # a bad saved setting must not stop the sources that still work
            log_failure(log, "reading the settings saved in the browser failed; keeping the current sources", exc)
            return
        if config is self.config:
            return
        wanted = {s.name: s for s in config.ticket_sources}
        complete = True
        for name in [n for n, e in self.engines.items() if wanted.get(n) != e.source]:
            engine = self.engines.pop(name)
            self._next_run.pop(name, None)
            await engine.connector.aclose()
            log.info("source %s stopped (settings changed)", name)
        for name, source in wanted.items():
            if name not in self.engines:
                try:
                    connector = self.connector_factory(source)
                    self.engines[name] = await asyncio.to_thread(
                        SyncEngine, self.db, config, source, connector, clock=self.clock
                    )
                except Exception:  # one unusable source must not stop the others; retried next loop
                    log.exception("source %s could not be started", name)
                    complete = False
                    continue
                log.info("source %s started (settings changed)", name)
        for engine in self.engines.values():
            engine.config = config
        if complete:  # otherwise the next loop tries the missing sources again
            self.config = config

    def _progress(self, name: str) -> Progress:
        def report(count: int) -> None:
            self.fetched[name] = count

        return report

    async def run_source(
        self, name: str, progress: Progress | None = None, *, respect_schedule: bool = True
    ) -> CycleResult | None:
        """One leased cycle of one source; None when another process holds it or has already run it."""
        engine = self.engines[name]
        now = self.clock()
        lease_for = lease_length(engine.source, self.config)
        retry = now + timedelta(seconds=min(engine.source.poll_seconds, 30.0))
        missed = self._unrecorded.get(name)

        def claim() -> bool:
            with self.db.session() as session:
                claimed = try_lease(
                    session, engine.source_id, self.owner, now=now, until=now + lease_for, due_only=respect_schedule
                )
                if not claimed:
                    row = session.get(SourceRow, engine.source_id)
                    shared = row.next_run_at if row is not None else None
                    self._next_run[name] = shared if shared is not None and shared > now else retry
                    return False
                if missed is not None:  # a cycle that ended while the store was away: its line and stale mark
                    self._record(session, engine, missed)
            return True

        def finish(result: CycleResult | None) -> None:
            with self.db.session() as session:
                if result is not None:
                    self._schedule_next(session, engine, result)
                    log_cycle(session, engine.source_id, result)
                release_lease(session, engine.source_id, self.owner)

        # Both in a worker thread: in `serve` the web requests hold pooled connections and give them back through
        # the event loop, so waiting for one on the loop stalls every request until the pool times out.
        try:
            if not await asyncio.to_thread(claim):
                return None
        except Exception as exc:
            self._store_away(name, exc, retry)
            return None
        self._unrecorded.pop(name, None)
        result: CycleResult | None = None
        try:
            result = await engine.run_cycle(progress)
        finally:
            # The next due time is written in the same transaction that gives the lease back: otherwise another
            # process could claim the source in between, still seeing the old due time, and poll it twice.
            try:
                await asyncio.to_thread(finish, result)
            except Exception as exc:
                # Our lease stays behind until the store is back: we may claim our own lease again then.
                self._store_away(name, exc, retry)
                if result is not None:
                    self._unrecorded[name] = result
        self._log(result)
        if self.on_result is not None:
            try:
                await self.on_result(result)
            except Exception:  # telling the pages must never stop the syncing
                log.exception("publishing the result of %s failed", name)
        return result

    def _store_away(self, name: str, exc: Exception, retry: datetime) -> None:
        """Re-raise ``exc`` unless the store is unreachable, full or busy; then log it and try again at ``retry``."""
        outage = store_outage(exc)
        if outage is None:
            raise exc
        log.warning("sync of %s waits for the store: %s; trying again at %s", name, outage, f"{retry:%H:%M:%S}")
        self._next_run[name] = retry

    def _record(self, session: Session, engine: SyncEngine, result: CycleResult) -> None:
        """Write a cycle's result that the store could not take when it ended."""
        if not result.recorded:
            engine.record_health(session, result)
        log_cycle(session, engine.source_id, result)

    def _schedule_next(self, session: Session, engine: SyncEngine, result: CycleResult) -> None:
        cadence = plan_cadence(engine.source, result.requests, engine.connector.budget.limit)
        wait = PERMANENT_RETRY_SECONDS if result.permanent else cadence.seconds
        due = result.started_at + timedelta(seconds=wait)
        self._next_run[engine.source.name] = due
        row = session.get(SourceRow, engine.source_id)
        if row is not None:
            row.next_run_at = due
            row.schedule_note = cadence.note

    @staticmethod
    def _log(result: CycleResult) -> None:
        if result.ok:
            log.info(
                "synced %s: %d active, %d requests, %.1f s",
                result.source,
                result.active,
                result.requests,
                result.seconds,
            )
        else:
            log.warning("sync of %s failed: %s", result.source, result.error)

    async def run_once(self, only: str | None = None, progress: Progress | None = None) -> list[CycleResult]:
        """One cycle for every source (or just ``only``), ignoring cadence; for `deskpulse sync --once`."""
        results = []
        for name in self.engines:
            if only is None or name == only:
                result = await self.run_source(name, progress, respect_schedule=False)
                if result is not None:
                    results.append(result)
        return results

    def _retention_due(self, now: datetime) -> bool:
        return self._last_retention is None or now - self._last_retention >= RETENTION_EVERY

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set: run each source when it is due, and the retention job hourly."""
        while not stop.is_set():
            await self.follow_settings()
            now = self.clock()
            due = [n for n in self.engines if self._next_run.get(n, now) <= now]
            if due:
                await asyncio.gather(*(self.run_source(n, self._progress(n)) for n in due))
            if self._retention_due(now):
                self._last_retention = now
                try:
                    await asyncio.to_thread(
                        apply_retention, self.db, now, self.config.history_raw_days, self.config.history_rollup_days
                    )
                except Exception as exc:  # e.g. the store is away: tried again in an hour, the syncing goes on
                    log_failure(log, "applying the history retention failed", exc)
            next_due = min(self._next_run.values(), default=now + timedelta(seconds=5))
            sleep_for = min(5.0, max(0.2, (next_due - self.clock()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=sleep_for)

    async def aclose(self) -> None:
        """Close every connector."""
        for engine in self.engines.values():
            await engine.connector.aclose()


async def finish_or_cancel(task: asyncio.Task[None], grace: float) -> None:
    """Give ``task`` (a stopping ``run_forever``) ``grace`` seconds to end, then cancel it: a cycle still fetching
    is dropped, one committing finishes its commit, and either way its lease is released."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    if done:
        task.result()  # re-raise what ended it, if anything
        return
    log.warning("a sync cycle is still running %.0f s after shutdown began; cancelling it", grace)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def run_until_stopped(scheduler: Scheduler, stop: asyncio.Event, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
    """``scheduler.run_forever`` until ``stop`` is set, then :func:`finish_or_cancel` (``deskpulse worker``)."""
    task = asyncio.create_task(scheduler.run_forever(stop), name="deskpulse-sync")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    await finish_or_cancel(task, grace)
