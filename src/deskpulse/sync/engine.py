"""One sync cycle of one source: fetch everything first, then commit it all at once or nothing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.clock import utcnow
from deskpulse.config import Config, TicketSource
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.protocol import (
    Connector,
    Directory,
    HoldsUnreadable,
    IncrementalConnector,
    LogsTime,
    Progress,
    ReportsWarnings,
)
from deskpulse.domain.board import local_day_start
from deskpulse.domain.clients import ClientMatcher
from deskpulse.domain.tickets import StatusCategory, Ticket
from deskpulse.store.attribution import reattribute_tickets
from deskpulse.store.clients import sync_clients
from deskpulse.store.db import Database
from deskpulse.store.outage import store_outage
from deskpulse.store.sources import ensure_source, mark_failed
from deskpulse.store.tables import SourceRow, TicketRow
from deskpulse.store.vendor_accounts import store_vendor_accounts
from deskpulse.sync.upsert import UpsertStats, replace_hours, upsert_directory, upsert_tickets, write_snapshot

log = logging.getLogger(__name__)
# The closed sweep re-reads a little before its watermark: Trengo orders by last message date, not by
# closing time, and a late write can land just behind the previous sweep.
SWEEP_OVERLAP = timedelta(minutes=10)
# Tickets that left the open list are looked up one by one, up to this many per cycle, to tell
# "closed" from "deleted" from "moved between the two list passes".
MAX_DEPARTED_LOOKUPS = 40
# Time entries are re-read for this many days on every directory refresh (entries can be edited afterwards).
HOURS_DAYS = 35


@dataclass(slots=True)
class CycleResult:
    """Outcome of one cycle."""

    ok: bool
    source: str
    started_at: datetime
    seconds: float
    requests: int
    active: int = 0
    closed_seen: int = 0
    stats: UpsertStats = field(default_factory=UpsertStats)
    error: str | None = None
    permanent: bool = False
    directory_refreshed: bool = False
    swept_closed: bool = False
    # False while the result could not be written on the source's row (the store was away).
    recorded: bool = False


@dataclass(slots=True)
class _Fetched:
    active: list[Ticket]
    closed: list[Ticket]
    directory: Directory | None
    departed_found: list[Ticket]
    deleted: set[str]
    sweep_started: datetime | None
    # False for an incremental cycle: only changed tickets were read, so absence from `active` means nothing.
    complete: bool = True
    # Present at the source but unreadable this cycle: left as they are in the store.
    held: set[str] = field(default_factory=set)
    # Hours logged per (agent, UTC day) from HOURS_DAYS ago on, read with the directory (vendors with time entries).
    hours: dict[tuple[str, date], float] | None = None
    hours_since: date | None = None


async def _to_the_end(work: Awaitable[UpsertStats]) -> UpsertStats:
    """Await ``work`` to its end even when cancelled meanwhile (then re-raise): a commit running in a thread
    cannot be stopped, and the caller must not release the source's lease while it still writes."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


class SyncEngine:
    """Runs cycles for one source against the store."""

    def __init__(
        self,
        db: Database,
        config: Config,
        source: TicketSource,
        connector: Connector,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.config = config
        self.source = source
        self.connector = connector
        self.clock = clock
        self.matcher = ClientMatcher(
            {c.id: c.email_domains for c in config.clients}, {c.id: c.accounts for c in config.clients}
        )
        with db.session() as session:
            self.source_id = ensure_source(session, source).id
            self.client_ids = sync_clients(session, config.clients)
            # The mapping may have changed since the tickets were written (a client gained an account).
            reattribute_tickets(session, self.source_id, source.name, self.matcher, self.client_ids)

    def _state(self) -> SourceRow:
        with self.db.session() as session:
            row = session.get(SourceRow, self.source_id)
            assert row is not None
            return row

    async def run_cycle(self, progress: Progress | None = None) -> CycleResult:
        """Fetch, then write in one transaction; on any failure write nothing but the stale mark."""
        started = self.clock()
        t0 = time.perf_counter()
        requests_before = self.connector.budget.requests_made
        result = CycleResult(ok=False, source=self.source.name, started_at=started, seconds=0.0, requests=0)
        try:
            state = await asyncio.to_thread(self._state)
            fetched = await self._fetch(state, started, progress)
            result.stats = await _to_the_end(asyncio.to_thread(self._commit, fetched, started))
            result.ok = True
            result.active = len(fetched.active)
            result.closed_seen = len(fetched.closed)
            result.directory_refreshed = fetched.directory is not None
            result.swept_closed = fetched.sweep_started is not None
        except ConnectorError as exc:
            result.error, result.permanent = exc.message, exc.permanent
        except Exception as exc:  # a bug or a store outage must not kill the scheduler loop
            if (outage := store_outage(exc)) is not None:
                result.error = f"{outage}; nothing was written, the next cycle tries again."
            else:
                log.exception("sync cycle of %s failed", self.source.name)
                result.error = f"internal error: {type(exc).__name__}: {exc}"
        result.seconds = time.perf_counter() - t0
        result.requests = self.connector.budget.requests_made - requests_before
        try:
            await asyncio.to_thread(self._record_health, result)
        except Exception as exc:
            if store_outage(exc) is None:
                raise
            # The store is away: the scheduler writes this result once it is back (``recorded`` stays False).
            log.warning("the health of %s could not be recorded: %s", self.source.name, store_outage(exc))
        else:
            result.recorded = True
        return result

    def _incremental_due(self, state: SourceRow, now: datetime) -> bool:
        """True when this cycle may read only what changed (the vendor supports it and a reconciliation is recent)."""
        reconcile = getattr(self.source, "reconcile_seconds", None)
        if reconcile is None or not isinstance(self.connector, IncrementalConnector):
            return False
        if state.last_ok_at is None or state.closed_watermark is None or state.reconciled_at is None:
            return False
        return now - state.reconciled_at < timedelta(seconds=reconcile)

    async def _fetch(self, state: SourceRow, now: datetime, progress: Progress | None) -> _Fetched:
        directory = None
        due = timedelta(seconds=self.source.directory_refresh_seconds)
        hours, hours_since = None, None
        if state.directory_refreshed_at is None or now - state.directory_refreshed_at >= due:
            directory = await self.connector.fetch_directory()
            if isinstance(self.connector, LogsTime):
                since = now - timedelta(days=HOURS_DAYS)
                hours, hours_since = await self.connector.fetch_daily_hours(since), since.astimezone(UTC).date()
        if self._incremental_due(state, now) and isinstance(self.connector, IncrementalConnector):
            assert state.closed_watermark is not None
            changed = await self.connector.fetch_changed_since(state.closed_watermark, progress)
            return _Fetched(
                [], list(changed), directory, [], set(), now, complete=False, hours=hours, hours_since=hours_since
            )
        active = await self.connector.fetch_active(progress)
        closed: list[Ticket] = []
        sweep_started = None
        sweep_due = timedelta(seconds=self.source.closed_sweep_seconds)
        # The very first cycle stores the open set only, so a dashboard has numbers within seconds; the
        # (long) closed backfill runs from the second cycle on.
        first_cycle = state.last_ok_at is None
        if not first_cycle and (state.closed_swept_at is None or now - state.closed_swept_at >= sweep_due):
            since = (
                state.closed_watermark - SWEEP_OVERLAP
                if state.closed_watermark is not None
                else now - timedelta(days=self.source.closed_backfill_days)
            )
            closed = await self.connector.fetch_closed_since(since)
            sweep_started = now
        held = self.connector.held_ids() if isinstance(self.connector, HoldsUnreadable) else set()
        departed_found, deleted = await self._look_up_departed(active, closed, held)
        return _Fetched(
            active, closed, directory, departed_found, deleted, sweep_started, held=held, hours=hours,
            hours_since=hours_since,
        )  # fmt: skip

    async def _look_up_departed(
        self, active: list[Ticket], closed: list[Ticket], held: set[str]
    ) -> tuple[list[Ticket], set[str]]:
        # A source whose tickets can vanish without being deleted (a folder of files): leaving is all we learn.
        if not getattr(self.connector, "looks_up_departed", True):
            return [], set()
        known = {t.external_id for t in active} | {t.external_id for t in closed} | held
        stored_active, unresolved = await asyncio.to_thread(self._departure_candidates)
        # Tickets leaving now first, then earlier departures whose fate is still unknown.
        departed = [*sorted(stored_active - known), *sorted(unresolved - known)][:MAX_DEPARTED_LOOKUPS]
        found: list[Ticket] = []
        deleted: set[str] = set()
        for ext_id in departed:
            ticket = await self.connector.fetch_ticket(ext_id)
            if ticket is None:
                deleted.add(ext_id)
            else:
                found.append(ticket)
        return found, deleted

    def _departure_candidates(self) -> tuple[set[str], set[str]]:
        """(ids active in the store, ids that left the open set without us learning how)."""
        open_categories = [c.value for c in StatusCategory if c.is_active]
        with self.db.session() as session:
            active = set(
                session.scalars(
                    select(TicketRow.external_id).where(
                        TicketRow.source_id == self.source_id, TicketRow.is_active.is_(True)
                    )
                )
            )
            unresolved = set(
                session.scalars(
                    select(TicketRow.external_id)
                    .where(
                        TicketRow.source_id == self.source_id,
                        TicketRow.is_active.is_(False),
                        TicketRow.deleted_at.is_(None),
                        TicketRow.status_category.in_(open_categories),
                    )
                    .limit(MAX_DEPARTED_LOOKUPS)
                )
            )
        return active, unresolved

    def client_of(self, ticket: Ticket) -> int | None:
        """The store id of the client ``ticket`` belongs to (by vendor account, else e-mail domain), or None."""
        key = self.matcher.client_for_ticket(self.source.name, ticket.account_ref, ticket.requester_email)
        return self.client_ids.get(key) if key is not None else None

    def _commit(self, fetched: _Fetched, now: datetime) -> UpsertStats:
        active_ids = {t.external_id for t in fetched.active}
        if not fetched.complete:
            active_ids = set()
        # The changed/closed listing is read after the active list, so its reading is the newer one: a ticket it
        # shows as active is active (e.g. a custom status the active-set query could not name).
        active_ids |= {t.external_id for t in fetched.closed if t.status_category.is_active}
        # A departed ticket the vendor still lists as open (it moved between the two list passes) stays active.
        active_ids |= {t.external_id for t in fetched.departed_found if t.status_category.is_active}
        # In fetch order, so the newest reading of a ticket wins when it appears in several lists.
        seen = [*fetched.active, *fetched.closed, *fetched.departed_found]
        with self.db.session() as session:
            if fetched.directory is not None:
                upsert_directory(session, self.source_id, fetched.directory)
                if fetched.directory.accounts is not None:
                    store_vendor_accounts(session, self.source_id, fetched.directory.accounts, now=now)
            if fetched.hours is not None and fetched.hours_since is not None:
                replace_hours(session, self.source_id, fetched.hours_since, fetched.hours)
            stats = upsert_tickets(
                session,
                self.source_id,
                now=now,
                seen=seen,
                active_ids=active_ids,
                deleted_ids=fetched.deleted,
                complete_active_set=fetched.complete,
                held_ids=fetched.held,
                client_of=self.client_of,
            )
            session.flush()
            write_snapshot(
                session,
                self.source_id,
                at=now,
                day_start=local_day_start(now, self.config.tz),
                client_ids=self.client_ids.values(),
            )
            row = session.get(SourceRow, self.source_id)
            assert row is not None
            row.data_version = (row.data_version or 0) + 1
            if fetched.directory is not None:
                row.directory_refreshed_at = now
            if fetched.sweep_started is not None:
                row.closed_swept_at = now
                row.closed_watermark = fetched.sweep_started
            if fetched.complete:
                row.reconciled_at = now
            row.last_ok_at = now
            row.stale_since = None
            row.last_error = None
            row.permanent_failure = False
        return stats

    def _record_health(self, result: CycleResult) -> None:
        with self.db.session() as session:
            self.record_health(session, result)

    def record_health(self, session: Session, result: CycleResult) -> None:
        """Write ``result`` on the source's row (a failure marks it stale with the reason), in ``session``."""
        if not result.ok:
            mark_failed(
                session,
                self.source_id,
                at=result.started_at,
                reason=result.error or "unknown error",
                permanent=result.permanent,
            )
        row = session.get(SourceRow, self.source_id)
        if row is None:
            return
        row.last_attempt_at = result.started_at
        row.last_cycle_seconds = result.seconds
        row.last_cycle_requests = result.requests
        if isinstance(self.connector, ReportsWarnings):
            found = self.connector.take_warnings()
            row.warnings = "\n".join(found)[:4000] if found else None
        row.budget_limit = self.connector.budget.vendor_limit
        row.budget_remaining = self.connector.budget.remaining
