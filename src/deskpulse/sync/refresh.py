"""A targeted refresh: re-read a few named tickets (a webhook said they changed) and store what the vendor says.

It takes no lease and runs beside full cycles on purpose. Each refresh is one short transaction of idempotent
upserts of tickets just read from the vendor, so it cannot corrupt anything a concurrent cycle writes: if a
cycle that read a ticket earlier commits after the refresh, the older reading wins for a while and the next cycle
(or the next callout) corrects it. Waiting for the lease instead would delay a callout by up to a whole cycle,
which is what webhooks are there to avoid.

A refresh writes no history snapshot and does not mark the source as synced: a handful of tickets is not a
view of the whole source, and history points and freshness come from full cycles only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from deskpulse.connectors.base import ConnectorError
from deskpulse.domain.tickets import Ticket
from deskpulse.store.sources import bump_data_version
from deskpulse.sync.engine import SyncEngine
from deskpulse.sync.upsert import UpsertStats, upsert_tickets

log = logging.getLogger(__name__)
MAX_TICKETS_PER_REFRESH = 20


@dataclass(slots=True)
class RefreshResult:
    """Outcome of one targeted refresh."""

    ok: bool
    source: str
    started_at: datetime
    seconds: float
    requests: int
    found: int = 0
    deleted: int = 0
    stats: UpsertStats = field(default_factory=UpsertStats)
    error: str | None = None


async def refresh_tickets(engine: SyncEngine, external_ids: Iterable[str]) -> RefreshResult:
    """Fetch each ticket (at most ``MAX_TICKETS_PER_REFRESH``) and upsert them; never raises.

    A ticket the vendor no longer has is marked deleted; one now resolved or closed leaves the active set.
    Nothing is written when any read fails (the next cycle or callout tries again).
    """
    ids = list(dict.fromkeys(external_ids))[:MAX_TICKETS_PER_REFRESH]
    started = engine.clock()
    t0 = time.perf_counter()
    requests_before = engine.connector.budget.requests_made
    result = RefreshResult(ok=False, source=engine.source.name, started_at=started, seconds=0.0, requests=0)
    try:
        found: list[Ticket] = []
        deleted: set[str] = set()
        for ext_id in ids:
            ticket = await engine.connector.fetch_ticket(ext_id)
            if ticket is None:
                deleted.add(ext_id)
            else:
                found.append(ticket)
        result.stats = await asyncio.to_thread(_commit, engine, found, deleted, started)
        result.ok, result.found, result.deleted = True, len(found), len(deleted)
    except ConnectorError as exc:
        result.error = exc.message
    except Exception as exc:  # a store outage or a bug: logged, never raised into the caller's task
        log.exception("refreshing tickets of %s failed", engine.source.name)
        result.error = f"internal error: {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - t0
    result.requests = engine.connector.budget.requests_made - requests_before
    return result


def _commit(engine: SyncEngine, found: list[Ticket], deleted: set[str], now: datetime) -> UpsertStats:
    with engine.db.session() as session:
        stats = upsert_tickets(
            session,
            engine.source_id,
            now=now,
            seen=found,
            active_ids={t.external_id for t in found if t.status_category.is_active},
            deleted_ids=deleted,
            complete_active_set=False,
            client_of=engine.client_of,
        )
        if stats.touched:
            bump_data_version(session, engine.source_id)
        return stats
