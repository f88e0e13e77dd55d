"""The LibreNMS poller: every ``poll_seconds`` per source, under the source's lease, one poll in one transaction.

A poll reads the device list (poller silence becomes an unknown period), the outages of the devices that may
have changed (``fetch_outages_incremental``; each list read replaces what the store held for that device)
and, hourly, the LLDP/CDP links (suggested parents). Everything is fetched first and written at once; a failed
poll writes nothing but the source's stale mark and a log line, like a ticket sync cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from deskpulse.clock import utcnow
from deskpulse.config import Config
from deskpulse.connectors.base import ConnectorError, Sleep
from deskpulse.connectors.librenms import DeviceStatus, LibreNmsConnector, LibreNmsSettings, OutageSyncState
from deskpulse.connectors.librenms.mapping import poller_silent
from deskpulse.live.events import EVERYONE, LiveEvent
from deskpulse.store.db import Database
from deskpulse.store.source_log import add_line
from deskpulse.store.sources import ensure_source, mark_failed, release_lease, try_lease
from deskpulse.store.tables import SourceRow
from deskpulse.store.uptime_writes import PollChanges, PollData, apply_poll, poll_state
from deskpulse.sync.scheduler import PERMANENT_RETRY_SECONDS, default_owner

log = logging.getLogger(__name__)
T = TypeVar("T")
LINKS_EVERY = timedelta(hours=1)  # LLDP/CDP neighbours change rarely; they only feed suggestions


async def to_the_end(work: Awaitable[T]) -> T:
    """Await ``work`` to its end even when cancelled meanwhile (then re-raise): a commit running in a thread
    cannot be stopped, and the lease must not be released while it still writes."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


class WaitCounter:
    """A sleep that counts what it waited: the connector's throttling (request budget, Retry-After) shows here."""

    def __init__(self, sleep: Sleep = asyncio.sleep) -> None:
        self._sleep = sleep
        self.waits = 0
        self.seconds = 0.0

    async def __call__(self, seconds: float) -> None:
        self.waits += 1
        self.seconds += seconds
        await self._sleep(seconds)


@dataclass(slots=True)
class PollResult:
    """Outcome of one poll of one source."""

    ok: bool
    source: str
    started_at: datetime
    seconds: float = 0.0
    calls: int = 0
    waits: int = 0
    wait_seconds: float = 0.0
    devices: int = 0
    down: int = 0
    silent: bool = False
    links: int | None = None
    changes: PollChanges | None = None
    error: str | None = None
    permanent: bool = False

    def sentence(self) -> str:
        """The log line of this poll."""
        if not self.ok:
            return f"poll failed after {self.seconds:.1f} s and {self.calls} calls: {self.error}"
        c = self.changes or PollChanges()
        parts = [
            f"{self.devices} devices ({self.down} down)",
            f"outages +{c.outages_added} ~{c.outages_changed} -{c.outages_removed}",
        ]
        if self.links is not None:
            parts.append(f"{self.links} links ({c.suggestions_added} new suggestions)")
        if c.silence is not None:
            parts.append(f"LibreNMS's poller silence {c.silence}")
        if self.waits:
            parts.append(f"throttled {self.waits} times ({self.wait_seconds:.1f} s)")
        return f"polled in {self.seconds:.1f} s with {self.calls} calls: " + "; ".join(parts)


def poll_events(result: PollResult) -> list[LiveEvent]:
    """The source's health for everyone, and ``uptime.changed`` when the poll changed stored data."""
    status = {"source": result.source, "ok": result.ok, "error": None if result.ok else result.error}
    events = [LiveEvent("sources", "source.synced" if result.ok else "source.failed", EVERYONE, status,
                        result.started_at)]  # fmt: skip
    if result.ok and result.changes is not None and result.changes.earliest is not None:
        events.append(LiveEvent("uptime", "uptime.changed", EVERYONE, {"source": result.source}, result.started_at))
    return events


class UptimePoller:
    """Polls one LibreNMS source into the store; many processes may run one each (the lease decides)."""

    def __init__(
        self, db: Database, config: Config, source: LibreNmsSettings, connector: LibreNmsConnector,
        waits: WaitCounter, *, clock: Callable[[], datetime] = utcnow, owner: str | None = None,
    ) -> None:  # fmt: skip
        self.db, self.config, self.source, self.connector, self.waits = db, config, source, connector, waits
        self.clock = clock
        self.owner = owner or default_owner()
        self.next_run: datetime | None = None
        with db.session() as session:
            self.source_id = ensure_source(session, source).id

    def lease_length(self) -> timedelta:
        """As for ticket sources: ``max(lease_seconds, 5 × poll_seconds)``."""
        return timedelta(seconds=max(self.config.lease_seconds, self.source.poll_seconds * 5))

    async def run_once(self, *, respect_schedule: bool = True) -> PollResult | None:
        """One leased poll; None when another process holds the source or has already polled it."""
        now = self.clock()
        claimed = await asyncio.to_thread(self._claim, now, respect_schedule)
        if not claimed:
            return None
        result: PollResult | None = None
        try:
            result = await self.poll()
        finally:
            await asyncio.to_thread(self._release, result)
        return result

    def _claim(self, now: datetime, due_only: bool) -> bool:
        with self.db.session() as session:
            if try_lease(session, self.source_id, self.owner, now=now, until=now + self.lease_length(),
                         due_only=due_only):  # fmt: skip
                return True
            row = session.get(SourceRow, self.source_id)
            shared = row.next_run_at if row is not None else None
            retry = now + timedelta(seconds=min(self.source.poll_seconds, 30.0))
            self.next_run = shared if shared is not None and shared > now else retry
            return False

    def _release(self, result: PollResult | None) -> None:
        # The next due time goes in the transaction that gives the lease back (no double poll in between).
        with self.db.session() as session:
            if result is not None:
                wait = PERMANENT_RETRY_SECONDS if result.permanent else self.source.poll_seconds
                self.next_run = result.started_at + timedelta(seconds=wait)
                row = session.get(SourceRow, self.source_id)
                if row is not None:
                    row.next_run_at = self.next_run
            release_lease(session, self.source_id, self.owner)

    async def poll(self) -> PollResult:
        """Fetch, then write in one transaction; on any failure write nothing but the stale mark."""
        started = self.clock()
        t0, calls0 = time.perf_counter(), self.connector.budget.requests_made
        waits0, waited0 = self.waits.waits, self.waits.seconds
        result = PollResult(ok=False, source=self.source.name, started_at=started)
        try:
            state, links_due = await asyncio.to_thread(self._state, started)
            devices = await self.connector.fetch_devices()
            since = started - timedelta(days=self.source.outage_history_days)
            read, new_state = await self.connector.fetch_outages_incremental(state, since)
            links = await self.connector.fetch_links(devices) if links_due else None
            data = PollData(devices, read, new_state, since, poller_silent(devices), links)
            result.changes = await to_the_end(asyncio.to_thread(self._commit, data, started))
            result.ok, result.devices, result.silent = True, len(devices), data.silent
            result.down = sum(1 for d in devices if d.status is DeviceStatus.DOWN)
            result.links = len(links) if links is not None else None
        except ConnectorError as exc:
            result.error, result.permanent = exc.message, exc.permanent
        except Exception as exc:  # a bug or a store outage must not end the polling loop
            log.exception("uptime poll of %s failed", self.source.name)
            result.error = f"internal error: {type(exc).__name__}: {exc}"
        result.seconds = time.perf_counter() - t0
        result.calls = self.connector.budget.requests_made - calls0
        result.waits, result.wait_seconds = self.waits.waits - waits0, self.waits.seconds - waited0
        await asyncio.to_thread(self._record, result)
        return result

    def _state(self, now: datetime) -> tuple[OutageSyncState | None, bool]:
        with self.db.session() as session:
            row = poll_state(session, self.source_id)
            state = OutageSyncState.from_json(row.outage_state) if row.outage_state else None
            return state, row.links_polled_at is None or now - row.links_polled_at >= LINKS_EVERY

    def _commit(self, data: PollData, now: datetime) -> PollChanges:
        with self.db.session() as session:
            changes = apply_poll(session, self.source_id, data, now)
            row = session.get(SourceRow, self.source_id)
            if row is not None:
                row.last_ok_at, row.stale_since, row.last_error, row.permanent_failure = now, None, None, False
                if changes.earliest is not None:
                    row.data_version = (row.data_version or 0) + 1
            return changes

    def _record(self, result: PollResult) -> None:
        with self.db.session() as session:
            if not result.ok:
                reason = result.error or "unknown error"
                mark_failed(session, self.source_id, at=result.started_at, reason=reason, permanent=result.permanent)
            row = session.get(SourceRow, self.source_id)
            if row is not None:
                row.last_attempt_at = result.started_at
                row.last_cycle_seconds, row.last_cycle_requests = result.seconds, result.calls
                row.budget_limit = self.connector.budget.vendor_limit
                row.budget_remaining = self.connector.budget.remaining
            state = poll_state(session, self.source_id)
            state.last_poll_at, state.last_poll_seconds, state.last_poll_calls = (
                result.started_at, result.seconds, result.calls,
            )  # fmt: skip
            state.throttle_waits, state.throttle_wait_seconds = result.waits, result.wait_seconds
            level = "info" if result.ok else "error"
            add_line(session, self.source_id, result.started_at, result.sentence(), level)
        if result.ok:
            log.info("polled %s: %s", result.source, result.sentence())
        else:
            log.warning("uptime poll of %s failed: %s", result.source, result.error)


PollerFactory = Callable[[Config, LibreNmsSettings], UptimePoller]


class UptimePollers:
    """Runs every LibreNMS source's poller on its cadence until stopped; with ``refresh`` and ``factory`` it also
    follows the settings saved in the browser (new sources start, changed ones restart, removed ones stop)."""

    def __init__(
        self,
        pollers: list[UptimePoller],
        *,
        on_result: Callable[[PollResult], Awaitable[None]] | None = None,
        clock: Callable[[], datetime] = utcnow,
        refresh: Callable[[], Config] | None = None,
        factory: PollerFactory | None = None,
    ) -> None:
        self.pollers = pollers
        self.on_result = on_result
        self.clock = clock
        self.refresh, self.factory = refresh, factory
        self._config: Config | None = pollers[0].config if pollers else None

    async def follow_settings(self) -> None:
        """Match the pollers to the effective configuration's LibreNMS sources (their stored data stays)."""
        if self.refresh is None or self.factory is None:
            return
        try:
            config = await asyncio.to_thread(self.refresh)
        except Exception:  # a bad saved setting must not stop the sources that still work
            log.exception("reading the settings saved in the browser failed; keeping the current LibreNMS sources")
            return
        if config is self._config:
            return
        wanted = {s.name: s for s in config.sources if isinstance(s, LibreNmsSettings)}
        for poller in [p for p in self.pollers if wanted.get(p.source.name) != p.source]:
            self.pollers.remove(poller)
            await poller.connector.aclose()
            log.info("LibreNMS source %s stopped (settings changed)", poller.source.name)
        running = {p.source.name for p in self.pollers}
        complete = True
        for name, source in wanted.items():
            if name in running:
                continue
            try:
                self.pollers.append(await asyncio.to_thread(self.factory, config, source))
            except Exception:  # one unusable source must not stop the others; tried again next loop
                log.exception("LibreNMS source %s could not be started", name)
                complete = False
                continue
            log.info("LibreNMS source %s started (settings changed)", name)
        for poller in self.pollers:
            poller.config = config
        if complete:
            self._config = config

    async def _one(self, poller: UptimePoller) -> None:
        result = await poller.run_once()
        if result is not None and self.on_result is not None:
            try:
                await self.on_result(result)
            except Exception:  # telling the pages must never stop the polling
                log.exception("publishing the poll of %s failed", result.source)

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set, polling each source when it is due."""
        while not stop.is_set():
            await self.follow_settings()
            now = self.clock()
            due = [p for p in self.pollers if p.next_run is None or p.next_run <= now]
            if due:
                await asyncio.gather(*(self._one(p) for p in due))
            next_due = min((p.next_run for p in self.pollers if p.next_run is not None), default=None)
            wait = (next_due - self.clock()).total_seconds() if next_due is not None else 5.0
            try:
                await asyncio.wait_for(stop.wait(), timeout=min(5.0, max(0.2, wait)))
            except TimeoutError:
                continue

    async def aclose(self) -> None:
        """Close every connector."""
        for poller in self.pollers:
            await poller.connector.aclose()


def build_pollers(
    db: Database,
    config: Config,
    *,
    connector_kwargs: dict[str, dict[str, Any]] | None = None,
    on_result: Callable[[PollResult], Awaitable[None]] | None = None,
    clock: Callable[[], datetime] = utcnow,
    owner: str | None = None,
) -> UptimePollers | None:
    """A poller per LibreNMS source of ``config`` (None when there is none); ``connector_kwargs`` per source
    name (transport, sleep, budget, clock) are for tests and the demo."""
    factory = poller_factory(db, connector_kwargs=connector_kwargs, clock=clock, owner=owner)
    pollers = [factory(config, s) for s in config.sources if isinstance(s, LibreNmsSettings)]
    return UptimePollers(pollers, on_result=on_result, clock=clock) if pollers else None


def poller_factory(
    db: Database,
    *,
    connector_kwargs: dict[str, dict[str, Any]] | None = None,
    clock: Callable[[], datetime] = utcnow,
    owner: str | None = None,
) -> PollerFactory:
    """Builds the poller of one LibreNMS source (registering the source in the store)."""

    def build(config: Config, source: LibreNmsSettings) -> UptimePoller:
        kwargs = dict((connector_kwargs or {}).get(source.name, {}))
        waits = WaitCounter(kwargs.pop("sleep", asyncio.sleep))
        connector = LibreNmsConnector(source, sleep=waits, **kwargs)
        return UptimePoller(db, config, source, connector, waits, clock=clock, owner=owner)

    return build


@dataclass(slots=True)
class RunningPollers:
    """The pollers of a process and the task running them."""

    pollers: UptimePollers
    task: asyncio.Task[None]


def start_pollers(
    db: Database,
    config: Config,
    stop: asyncio.Event,
    *,
    connector_kwargs: dict[str, dict[str, Any]] | None = None,
    publish: Callable[[list[LiveEvent]], Awaitable[None]] | None = None,
    refresh: Callable[[], Config] | None = None,
) -> RunningPollers | None:
    """Start polling every LibreNMS source until ``stop`` is set; ``publish`` gets the live events of each poll
    (``serve``, and ``worker`` with Redis). With ``refresh`` (the effective config, settings saved in the browser
    included) the pollers follow it each loop; without it, None when there is no LibreNMS source."""

    async def on_result(result: PollResult) -> None:
        if publish is not None:
            await publish(poll_events(result))

    pollers = build_pollers(db, config, connector_kwargs=connector_kwargs, on_result=on_result)
    if pollers is None:
        if refresh is None:
            return None
        pollers = UptimePollers([], on_result=on_result)
    if refresh is not None:
        pollers.refresh = refresh
        pollers.factory = poller_factory(db, connector_kwargs=connector_kwargs)
    return RunningPollers(pollers, asyncio.create_task(pollers.run_forever(stop), name="deskpulse-uptime"))


async def stop_pollers(running: RunningPollers | None, grace: float = 30.0) -> None:
    """After ``stop`` was set: give a poll in flight ``grace`` seconds to commit, cancel it after, close."""
    if running is None:
        return
    done, _ = await asyncio.wait({running.task}, timeout=grace)
    if not done:
        running.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running.task
    await running.pollers.aclose()
