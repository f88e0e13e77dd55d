"""Live events for a web process whose sync runs in another process and that has no Redis: watch the store.

Once a second one small query reads every source's sync state. When a source committed since the last look,
the tickets it wrote since then are read (by ``synced_at``) to tell which clients changed, and the same events a
syncing process would publish are delivered into this process's hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy import select

from deskpulse.live.events import EVERYONE, LiveEvent
from deskpulse.live.hub import Hub
from deskpulse.live.service import ticket_events
from deskpulse.store.db import Database
from deskpulse.store.outage import log_failure
from deskpulse.store.tables import SourceRow, TicketRow
from deskpulse.store.uptime_monitoring import MONITORING_KINDS

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0


class StoreWatch:
    """Turns committed sync cycles seen in the store into live events."""

    def __init__(self, db: Database, hub: Hub) -> None:
        self.db = db
        self.hub = hub
        self._seen: dict[int, tuple[datetime | None, datetime | None]] = {}

    def poll(self) -> list[LiveEvent]:
        """Events for what changed since the previous call (the first call only remembers the state)."""
        events: list[LiveEvent] = []
        with self.db.session() as session:
            rows = session.execute(
                select(SourceRow.id, SourceRow.name, SourceRow.last_ok_at, SourceRow.last_attempt_at,
                       SourceRow.stale_since, SourceRow.last_error, SourceRow.kind)
            ).all()  # fmt: skip
            for sid, name, ok_at, attempt_at, stale_since, error, kind in rows:
                before = self._seen.get(sid)
                self._seen[sid] = (ok_at, attempt_at)
                if before is None or before == (ok_at, attempt_at):
                    continue
                ok = stale_since is None and ok_at is not None
                at = attempt_at or ok_at
                assert at is not None
                status = {"source": name, "ok": ok, "error": None if ok else error}
                events.append(LiveEvent("sources", "source.synced" if ok else "source.failed", EVERYONE, status, at))
                if ok and kind in MONITORING_KINDS and ok_at != before[0]:
                    events.append(LiveEvent("uptime", "uptime.changed", EVERYONE, {"source": name}, at))
                    continue
                if ok and ok_at is not None and ok_at != before[0]:
                    # Rows this commit wrote carry its time; before the first commit every row is new.
                    newer = TicketRow.synced_at > before[0] if before[0] is not None else TicketRow.synced_at >= ok_at
                    touched: dict[int | None, list[str]] = {}
                    for cid, ext in session.execute(
                        select(TicketRow.client_id, TicketRow.external_id).where(TicketRow.source_id == sid, newer)
                    ).all():
                        touched.setdefault(cid, []).append(ext)
                    events += ticket_events(name, touched, ok_at, "sync")
        return events

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set."""
        while not stop.is_set():
            try:
                for event in await asyncio.to_thread(self.poll):
                    self.hub.publish(event)
            except Exception as exc:  # a store hiccup must not end live updates for good
                log_failure(log, "live store watch failed; retrying", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=INTERVAL_SECONDS)
