"""Pull the per-ticket details a client's monthly report needs from one source, once, and keep them.

For the client's tickets that were open, or resolved/closed, in ``[start, end)`` this fetches what is not in the
store yet or whose ticket changed since it was fetched (``ticket_details_state.ticket_updated_at``), in the
connector's batch size and within its request budget (the connector paces itself; ``max_requests`` caps one
pull). Every batch is committed on its own, so a failure keeps what was fetched before it; the failure is
recorded on the tickets it hit (fetched again next time), never deletes a row, and is returned as ``reason``.
Survey answers can arrive after a ticket was resolved without changing it: where the connector says for how long
(``csat_late_days``), a finished ticket still without an answer is asked again, at most daily, within that time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from deskpulse.config import Config, TicketSource
from deskpulse.connectors.base import ConnectorError
from deskpulse.connectors.protocol import Connector, DetailsWanted, FetchesReportDetails
from deskpulse.domain.ticket_details import TicketDetails
from deskpulse.store.db import Database
from deskpulse.store.report_tables import TicketCsatRow, TicketDetailsStateRow
from deskpulse.store.report_writes import DetailsTarget, record_failure, store_details
from deskpulse.store.tables import ClientRow, SourceRow, TicketRow

log = logging.getLogger(__name__)
# A finished ticket without a survey answer is asked again at most this often while one may still come in.
LATE_ANSWER_RECHECK = timedelta(days=1)


@dataclass(slots=True)
class DetailsPull:
    """What one pull did. ``reason`` says why it stopped short (a vendor error, the request cap); None if not."""

    fetched: int = 0
    skipped: int = 0  # already fetched for the ticket's current version
    failed: int = 0  # a call for these tickets failed; their earlier rows, if any, are kept
    remaining: int = 0  # wanted but not attempted (the pull stopped first)
    reason: str | None = None
    supported: bool = True  # False: the source's vendor has none of these details (Trengo, files)
    requests: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every wanted ticket's details are in the store."""
        return self.failed == 0 and self.remaining == 0 and self.reason is None


def _source(config: Config, source: TicketSource | str) -> TicketSource:
    if not isinstance(source, str):
        return source
    for candidate in config.sources:
        if candidate.name == source and candidate.kind != "librenms":
            return candidate
    raise ValueError(f"no ticket source named {source!r} is configured")


def _answer_may_follow(row: Any, now: datetime, late: timedelta) -> bool:
    """True for a finished ticket fetched without a survey answer within ``late`` of finishing, last asked over a
    day ago: the answer can come in later without changing the ticket, so it is asked again (daily, in the window)."""
    done_at = row.resolved_at or row.closed_at
    if row.csat is not None or done_at is None or row.status_category not in ("resolved", "closed"):
        return False
    return bool(row.fetched_at < done_at + late and now - row.fetched_at >= LATE_ANSWER_RECHECK)


def _candidates(
    db: Database,
    source_name: str,
    client_key: str,
    start: datetime,
    end: datetime,
    now: datetime,
    late: timedelta | None,
) -> tuple[list[DetailsTarget], int] | None:
    """(tickets whose details are wanted, how many are cached) or None when the source was never synced.

    ``late``: how long after a ticket finished its survey answer may still arrive (None: the vendor has none)."""
    with db.session() as session:
        source_id = session.scalar(select(SourceRow.id).where(SourceRow.name == source_name))
        if source_id is None:
            return None
        client_id = session.scalar(select(ClientRow.id).where(ClientRow.key == client_key))
        if client_id is None:
            raise ValueError(f"no client {client_key!r} in the store; is it in [[clients]]?")
        finished_before = or_(
            and_(TicketRow.resolved_at.is_not(None), TicketRow.resolved_at < start,
                 or_(TicketRow.closed_at.is_(None), TicketRow.closed_at < start)),
            and_(TicketRow.resolved_at.is_(None), TicketRow.closed_at.is_not(None), TicketRow.closed_at < start),
        )  # fmt: skip
        rows = session.execute(
            select(
                TicketRow.id,
                TicketRow.external_id,
                TicketRow.updated_at,
                TicketRow.status_category,
                TicketRow.resolved_at,
                TicketRow.closed_at,
                TicketDetailsStateRow.ticket_updated_at,
                TicketDetailsStateRow.fetched_at,
                TicketDetailsStateRow.error,
                TicketDetailsStateRow.ticket_id.label("state"),
                TicketCsatRow.id.label("csat"),
            )
            .outerjoin(TicketDetailsStateRow, TicketDetailsStateRow.ticket_id == TicketRow.id)
            .outerjoin(TicketCsatRow, TicketCsatRow.ticket_id == TicketRow.id)
            .where(
                TicketRow.source_id == source_id,
                TicketRow.client_id == client_id,
                TicketRow.deleted_at.is_(None),
                TicketRow.created_at < end,
                ~finished_before,
            )
            .order_by(TicketRow.id)
        ).all()
    wanted: list[DetailsTarget] = []
    cached = 0
    for r in rows:
        fresh = (
            r.state is not None
            and r.error is None
            and (r.updated_at is None or (r.ticket_updated_at is not None and r.updated_at <= r.ticket_updated_at))
            and not (late is not None and _answer_may_follow(r, now, late))
        )
        if fresh:
            cached += 1
            continue
        finished = r.status_category in ("resolved", "closed")
        wanted.append(DetailsTarget(r.id, source_id, r.external_id, r.updated_at, finished))
    return wanted, cached


def _write(db: Database, batch: Sequence[DetailsTarget], found: dict[str, TicketDetails], now: datetime) -> None:
    for attempt in (1, 2):
        try:
            with db.session() as session:
                store_details(session, batch, found, now=now)
            return
        except IntegrityError:
            # Another pull stored the same rows a moment ago; the second attempt updates them instead.
            if attempt == 2:
                raise


def _fail(db: Database, batch: Sequence[DetailsTarget], reason: str, now: datetime) -> None:
    with db.session() as session:
        record_failure(session, batch, reason, now=now)


async def pull_report_details(
    db: Database,
    config: Config,
    source: TicketSource | str,
    client_key: str,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    connector: Connector | None = None,
    max_requests: int | None = None,
) -> DetailsPull:
    """Fetch and keep the report details of ``client_key``'s tickets on ``source`` for ``[start, end)``.

    Raises ValueError for an unknown source or client; vendor failures are returned in ``reason``.
    """
    cfg = _source(config, source)
    result = DetailsPull()
    own = connector is None
    if connector is None:
        from deskpulse.connectors.registry import build_connector  # the registry imports every connector

        connector = build_connector(cfg)
    try:
        late_days = getattr(connector, "csat_late_days", 0)
        late = timedelta(days=late_days) if late_days else None
        picked = await asyncio.to_thread(_candidates, db, cfg.name, client_key, start, end, now, late)
        if picked is None:
            result.reason = f"source {cfg.name} has not been synced yet"
            return result
        wanted, result.skipped = picked
        if not isinstance(connector, FetchesReportDetails):
            result.supported = False
            result.skipped += len(wanted)
            return result
        await _pull(db, connector, wanted, now, result, max_requests)
    finally:
        if own:
            await connector.aclose()
    return result


async def _pull(
    db: Database,
    connector: FetchesReportDetails,
    wanted: list[DetailsTarget],
    now: datetime,
    result: DetailsPull,
    max_requests: int | None,
) -> None:
    budget = getattr(connector, "budget", None)
    before = budget.requests_made if budget is not None else 0
    size = max(1, connector.details_batch_size)
    for index in range(0, len(wanted), size):
        used = (budget.requests_made - before) if budget is not None else 0
        if max_requests is not None and used >= max_requests:
            result.remaining = len(wanted) - index
            result.reason = (
                f"stopped after {used} requests (the cap for one pull); {result.remaining} tickets left for the next"
            )
            break
        batch = wanted[index : index + size]
        asks = [DetailsWanted(t.external_id, t.finished) for t in batch]
        try:
            found = await connector.fetch_report_details(asks)
        except ConnectorError as exc:
            await asyncio.to_thread(_fail, db, batch, exc.message, now)
            result.failed = len(batch)
            result.remaining = len(wanted) - index - len(batch)
            result.reason = exc.message
            break
        await asyncio.to_thread(_write, db, batch, found, now)
        result.fetched += sum(1 for t in batch if t.external_id in found)
        result.skipped += sum(1 for t in batch if t.external_id not in found)
        for details in found.values():
            result.warnings.extend(w for w in details.warnings if w not in result.warnings)
    result.requests = (budget.requests_made - before) if budget is not None else 0
    if result.reason is not None:
        log.warning("report details incomplete: %s", result.reason)


async def pull_client_details(
    db: Database,
    config: Config,
    client_key: str,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    connectors: Mapping[str, Connector] | None = None,
    max_requests: int | None = None,
) -> dict[str, DetailsPull]:
    """``pull_report_details`` for every ticket source of the config, one after the other; by source name."""
    found: dict[str, DetailsPull] = {}
    for source in config.sources:
        if source.kind == "librenms":
            continue
        connector = (connectors or {}).get(source.name)
        found[source.name] = await pull_report_details(
            db, config, source, client_key, start, end, now, connector=connector, max_requests=max_requests
        )
    return found


def incomplete_note(pulls: Mapping[str, DetailsPull]) -> str | None:
    """``"details incomplete: <source>: <reason>; ..."`` when a pull stopped short, else None (for the report)."""
    reasons = [
        f"{name}: {pull.reason or 'some tickets could not be read'}"
        for name, pull in pulls.items()
        if pull.supported and not pull.complete
    ]
    return "details incomplete: " + "; ".join(reasons) if reasons else None
