"""The ``files`` connector: a folder into which another tool drops one JSON file per ticket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from deskpulse.connectors.base import RequestBudget
from deskpulse.connectors.files.folder import FolderReader, Scan
from deskpulse.connectors.files.schema import MappingContext, Reading
from deskpulse.connectors.files.settings import FilesSettings
from deskpulse.connectors.protocol import Directory, Progress
from deskpulse.domain.tickets import Agent, Team, Ticket

# Reading files costs no vendor requests; the budget exists because the engine and /health read one.
FILE_READS_PER_MINUTE = 1_000_000


def gather_directory(readings: Iterable[Reading]) -> Directory:
    """Teams and agents named by the documents; a name given anywhere wins over a bare id."""
    teams: dict[str, str | None] = {}
    agents: dict[str, tuple[str | None, str | None]] = {}
    for reading in readings:
        ticket = reading.ticket
        if ticket.team_external_id is not None:
            teams[ticket.team_external_id] = teams.get(ticket.team_external_id) or reading.team_name
        if ticket.agent_external_id is not None:
            name, email = agents.get(ticket.agent_external_id, (None, None))
            agents[ticket.agent_external_id] = (name or reading.agent_name, email or reading.agent_email)
    return Directory(
        teams=[Team(external_id=i, name=name or i) for i, name in sorted(teams.items())],
        agents=[Agent(external_id=i, name=name or i, email=email) for i, (name, email) in sorted(agents.items())],
    )


def closing_time(ticket: Ticket) -> datetime:
    """The latest of closed, resolved and updated time (created time when the document has none of them)."""
    stamps = [s for s in (ticket.closed_at, ticket.resolved_at, ticket.updated_at) if s is not None]
    return max(stamps) if stamps else ticket.created_at


class FilesConnector:
    """Reads ticket files from one folder. Every fetch is a scan (or reuses this cycle's scan, see below)."""

    kind = "files"
    # A vanished file says only that the ticket left the folder, not that it was deleted: never look it up.
    looks_up_departed = False

    def __init__(self, cfg: FilesSettings, *, budget: RequestBudget | None = None) -> None:
        self.cfg = cfg
        self.budget = budget or RequestBudget(FILE_READS_PER_MINUTE)
        ctx = MappingContext(zone=ZoneInfo(cfg.naive_timezone), url_template=cfg.web_url_template)
        self.reader = FolderReader(cfg.folder, cfg.patterns, cfg.max_file_bytes, ctx)
        self._last: Scan | None = None
        self._warnings: dict[str, None] = {}  # ordered and de-duplicated: a folder may hold thousands of bad files
        self._lock = asyncio.Lock()

    async def scan(self) -> Scan:
        """A fresh pass over the folder (in a worker thread); its warnings are kept for ``take_warnings``."""
        async with self._lock:
            scan = await asyncio.to_thread(self.reader.scan)
            self._last = scan
            self._warnings.update(dict.fromkeys(scan.warnings))
        return scan

    async def _latest(self) -> Scan:
        # The engine calls fetch_active every cycle; the directory and the closed sweep reuse its scan, so
        # a cycle costs one stat per file.
        return self._last if self._last is not None else await self.scan()

    def take_warnings(self) -> list[str]:
        """One sentence per malformed or duplicate file seen since the last call; the list is emptied."""
        found, self._warnings = list(self._warnings), {}
        return found

    def held_ids(self) -> set[str]:
        """Ids of tickets whose file exists but was unreadable in the latest scan."""
        return set(self._last.held) if self._last is not None else set()

    async def fetch_directory(self) -> Directory:
        """Teams and agents named in the readable files of the latest scan (a fresh one if there is none)."""
        return gather_directory((await self._latest()).readings.values())

    async def fetch_active(self, progress: Progress | None = None) -> list[Ticket]:
        """Rescan the folder; the tickets of readable files whose status is active."""
        scan = await self.scan()
        found = [r.ticket for r in scan.readings.values() if r.ticket.status_category.is_active]
        if progress is not None:
            progress(len(found))
        return found

    async def fetch_closed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Resolved and closed tickets of the latest scan whose closed, resolved or updated time is >= ``since``."""
        scan = await self._latest()
        found = [
            r.ticket
            for r in scan.readings.values()
            if not r.ticket.status_category.is_active and closing_time(r.ticket) >= since
        ]
        if progress is not None:
            progress(len(found))
        return found

    async def fetch_ticket(self, external_id: str) -> Ticket | None:
        """Rescan; the ticket when a readable file holds it, else None."""
        reading = (await self.scan()).readings.get(external_id)
        return reading.ticket if reading is not None else None

    async def check(self) -> str:
        """Rescan and describe the folder; raises ConnectorError (permanent) when it cannot be listed."""
        scan = await self.scan()
        noun = "ticket file" if scan.files == 1 else "ticket files"
        notes = [f"{n} {what}" for n, what in ((scan.unreadable, "unreadable"), (scan.duplicates, "duplicate")) if n]
        return f"folder {scan.folder} holds {scan.files} {noun}" + (f" ({', '.join(notes)})" if notes else "")

    async def aclose(self) -> None:
        """Nothing to release: files are opened and closed per read."""
