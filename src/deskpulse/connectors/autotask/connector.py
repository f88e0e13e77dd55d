"""The Autotask PSA connector: ticket queries mapped to domain objects, tombstones, and the write primitives."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
from pydantic import ValidationError

from deskpulse.connectors.autotask import actions, client, details, writes
from deskpulse.connectors.autotask.budget import THRESHOLD_TTL_SECONDS, HourlyBudget, Threshold
from deskpulse.connectors.autotask.client import at_time, cond, search
from deskpulse.connectors.autotask.http import AutotaskHttp
from deskpulse.connectors.autotask.mapping import (
    Company,
    MappingContext,
    map_company,
    map_queue,
    map_resource,
    map_ticket,
    parse_timestamp,
)
from deskpulse.connectors.autotask.models import AtCompany, AtDeletedTicketLog, AtResource, AtTicket, AtTimeEntry
from deskpulse.connectors.autotask.picklists import Picklists, build_picklists
from deskpulse.connectors.autotask.settings import AutotaskSettings
from deskpulse.connectors.base import Clock, ConnectorError, RequestBudget, Sleep
from deskpulse.connectors.protocol import DetailsWanted, Directory, Progress, VendorAccount
from deskpulse.connectors.writeback import TicketUpdate, WriteResult
from deskpulse.domain.ticket_details import TicketDetails
from deskpulse.domain.tickets import Ticket

THRESHOLD_EVERY_REQUESTS = 250  # [I] re-read ThresholdInformation at least this often during long reads
TICKET_FIELDS = list(AtTicket.model_fields)  # IncludeFields: only what mapping reads (``id`` among them [D])
EVERYTHING = cond("exist", "id")


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A ticket deleted in the UI, from DeletedTicketLogs."""

    external_id: str
    number: str | None
    title: str | None
    deleted_at: datetime | None
    deleted_by: str | None


class AutotaskConnector:
    """Reads tickets, queues, resources and companies from one Autotask database; writes fields and notes."""

    kind = "autotask"

    def __init__(
        self,
        cfg: AutotaskSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        budget: HourlyBudget | None = None,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.hourly = budget or HourlyBudget(cfg.requests_per_hour, cfg.budget_share, clock=monotonic)
        self.budget: RequestBudget = self.hourly  # what the engine reads (the Connector protocol's type)
        self.at = AutotaskHttp(cfg, budget=self.hourly, transport=transport, sleep=sleep, monotonic=monotonic)
        self._monotonic = monotonic
        self._naive_zone = ZoneInfo(cfg.naive_timezone)
        self._picklists: Picklists | None = None
        self._picklists_at = 0.0
        self._threshold_at: float | None = None
        self._threshold_requests = 0
        self.companies: dict[int, str] = {}
        self.tombstones: dict[str, Tombstone] = {}
        self.warnings: list[str] = []

    # ----------------------------------------------------------------- warnings, limits, picklists
    def take_warnings(self) -> list[str]:
        """Warnings collected since the last call (unknown statuses, unreadable tickets, heavy API usage)."""
        found, self.warnings = self.warnings, []
        return found

    def _warn(self, messages: Iterable[str]) -> None:
        self.warnings.extend(m for m in messages if m not in self.warnings)

    async def adapt(self, *, force: bool = False) -> Threshold | None:
        """Re-read ThresholdInformation when due (time, request count, or calls got slow) and pace accordingly."""
        now = self._monotonic()
        due = (
            force
            or self._threshold_at is None
            or now - self._threshold_at >= THRESHOLD_TTL_SECONDS
            or self.budget.requests_made - self._threshold_requests >= THRESHOLD_EVERY_REQUESTS
            or self.at.slow_since_threshold
        )
        if not due:
            return None
        self._threshold_at, self.at.slow_since_threshold = now, False
        try:
            reading = await client.threshold_information(self.at)
        except ConnectorError as exc:
            if exc.permanent:
                raise
            self._warn([f"Autotask ThresholdInformation unavailable ({exc.message}); pacing by our own count only"])
            return None
        self._threshold_requests = self.budget.requests_made
        self.hourly.observe_threshold(reading)
        if reading.usage >= 0.5:
            self._warn([
                f"the Autotask database used {reading.used} of {reading.limit} requests in the last "
                f"{reading.timeframe_minutes} minutes (all integrations); deskpulse is slowing down"
            ])  # fmt: skip
        return reading

    async def picklists(self, *, refresh: bool = False) -> Picklists:
        """Ticket picklists from ``Tickets/entityInformation/fields``, cached ``picklist_cache_seconds``."""
        fresh = self._monotonic() - self._picklists_at < self.cfg.picklist_cache_seconds
        if self._picklists is not None and fresh and not refresh:
            return self._picklists
        fields = await client.entity_fields(self.at, "Tickets")
        self._picklists = build_picklists(fields, self.cfg.status_map, self.cfg.priority_map)
        self._picklists_at = self._monotonic()
        self._warn(self._picklists.warnings)
        return self._picklists

    # ----------------------------------------------------------------- tickets
    def _map(self, items: Iterable[Mapping[str, Any]], picklists: Picklists) -> dict[str, Ticket]:
        ctx = MappingContext(picklists=picklists, companies=self.companies, naive_zone=self._naive_zone)
        found: dict[str, Ticket] = {}
        for item in items:
            try:
                ticket = map_ticket(AtTicket.model_validate(item), ctx)
            except (ValidationError, ValueError) as exc:
                # One unreadable ticket must not stop the sync of all others.
                self._warn([f"Autotask ticket {item.get('id')} skipped: {exc}".splitlines()[0]])
                continue
            found[ticket.external_id] = ticket
        self._warn(ctx.warnings)
        return found

    async def _tickets(self, *conditions: client.Condition, progress: Progress | None = None) -> dict[str, Ticket]:
        picklists = await self.picklists()
        await self.adapt()
        found: dict[str, Ticket] = {}
        async for page in client.query(self.at, "Tickets", search(*conditions, include=TICKET_FIELDS)):
            found.update(self._map(page.items, picklists))
            if progress is not None:
                progress(len(found))
            await self.adapt()
        return found

    async def fetch_active(self, progress: Progress | None = None) -> list[Ticket]:
        """Reconciliation: every ticket whose status is not a finished one (Complete and resolved-like names)."""
        picklists = await self.picklists()
        found = await self._tickets(cond("notIn", "status", picklists.finished_codes()), progress=progress)
        return [t for t in found.values() if t.status_category.is_active]

    async def fetch_changed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Every ticket with ``lastActivityDate`` after ``since - overlap_seconds`` (any status); also tombstones."""
        watermark = since - timedelta(seconds=self.cfg.overlap_seconds)
        found = await self._tickets(cond("gt", "lastActivityDate", at_time(watermark)), progress=progress)
        await self.fetch_deleted_since(watermark)
        return [t for ext_id, t in found.items() if ext_id not in self.tombstones]

    async def fetch_closed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Tickets in a finished status whose last activity is after ``since - overlap_seconds``."""
        picklists = await self.picklists()
        watermark = since - timedelta(seconds=self.cfg.overlap_seconds)
        found = await self._tickets(
            cond("in", "status", picklists.finished_codes()), cond("gt", "lastActivityDate", at_time(watermark)),
            progress=progress,
        )  # fmt: skip
        return list(found.values())

    async def fetch_ticket(self, external_id: str) -> Ticket | None:
        """One ticket; None when it is a known tombstone or Autotask answers ``{"item": null}``."""
        if not external_id.isdigit() or external_id in self.tombstones:
            return None
        raw = await client.get_item(self.at, "Tickets", int(external_id))
        if raw is None:
            return None
        return self._map([raw], await self.picklists()).get(external_id)

    async def fetch_deleted_since(self, since: datetime) -> list[Tombstone]:
        """Tickets deleted in the UI after ``since`` (DeletedTicketLogs); remembered so fetch_ticket answers None."""
        body = search(cond("gt", "deletedDateTime", at_time(since)))
        found: list[Tombstone] = []
        for row in await client.query_all(self.at, "DeletedTicketLogs", body):
            try:
                log = AtDeletedTicketLog.model_validate(row)
                deleted_at = parse_timestamp(log.deletedDateTime, self._naive_zone)
            except (ValidationError, ValueError) as exc:
                self._warn([f"Autotask deleted-ticket log {row.get('id')} skipped: {exc}".splitlines()[0]])
                continue
            stone = Tombstone(
                external_id=str(log.ticketID), number=log.ticketNumber, title=log.ticketTitle, deleted_at=deleted_at,
                deleted_by=str(log.deletedByResourceID) if log.deletedByResourceID is not None else None,
            )  # fmt: skip
            self.tombstones[stone.external_id] = stone
            found.append(stone)
        return found

    # ----------------------------------------------------------------- directory and helpers
    async def fetch_directory(self) -> Directory:
        """Queues (from the picklist) as teams, resources as agents; also refreshes company names."""
        picklists = await self.picklists(refresh=True)
        try:
            agents = [map_resource(AtResource.model_validate(r)) for r in await client.query_all(
                self.at, "Resources", search(EVERYTHING))]  # fmt: skip
        except ValidationError as exc:
            raise ConnectorError(f"Autotask sent a resource deskpulse cannot read: {exc}") from exc
        companies = await self.fetch_companies()
        teams = [map_queue(code, label) for code, label in sorted(picklists.queues.items())]
        accounts = [VendorAccount(kind="company", external_id=c.external_id, name=c.name) for c in companies]
        return Directory(teams=teams, agents=agents, accounts=accounts)

    async def fetch_companies(self) -> list[Company]:
        """Every company (the MSP's customers and its own); names are kept for ``extra["company_name"]``."""
        rows = await client.query_all(self.at, "Companies", search(EVERYTHING))
        try:
            companies = [AtCompany.model_validate(r) for r in rows]
        except ValidationError as exc:
            raise ConnectorError(f"Autotask sent a company deskpulse cannot read: {exc}") from exc
        self.companies = {c.id: c.companyName or f"Company {c.id}" for c in companies}
        return [map_company(c) for c in companies]

    async def fetch_time_entries(self, since: datetime) -> dict[str, float]:
        """Hours worked per resource id since ``since``.

        An entry with a start time counts when it starts at or after ``since``; one with only a date (dateWorked
        is a UTC day [D]) counts when that day is on or after ``since``'s UTC day.
        """
        day = since.replace(hour=0, minute=0, second=0, microsecond=0)
        fields = ["id", "resourceID", "hoursWorked", "dateWorked", "startDateTime"]
        rows = await client.query_all(
            self.at, "TimeEntries", search(cond("gte", "dateWorked", at_time(day)), include=fields)
        )
        hours: dict[str, float] = {}
        for row in rows:
            try:
                entry = AtTimeEntry.model_validate(row)
                started = parse_timestamp(entry.startDateTime, self._naive_zone)
            except (ValidationError, ValueError):
                continue
            if entry.resourceID is None or not entry.hoursWorked or (started is not None and started < since):
                continue
            key = str(entry.resourceID)
            hours[key] = round(hours.get(key, 0.0) + entry.hoursWorked, 4)
        return hours

    async def fetch_daily_hours(self, since: datetime) -> dict[tuple[str, date], float]:
        """Hours worked per (resource id, UTC day): the day of ``startDateTime``, else ``dateWorked``."""
        day = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        fields = ["id", "resourceID", "hoursWorked", "dateWorked", "startDateTime"]
        rows = await client.query_all(
            self.at, "TimeEntries", search(cond("gte", "dateWorked", at_time(day)), include=fields)
        )
        hours: dict[tuple[str, date], float] = {}
        for row in rows:
            try:
                entry = AtTimeEntry.model_validate(row)
                started = parse_timestamp(entry.startDateTime, self._naive_zone)
                worked = parse_timestamp(entry.dateWorked, self._naive_zone)
            except (ValidationError, ValueError):
                continue
            when = started or worked
            if entry.resourceID is None or not entry.hoursWorked or when is None:
                continue
            key = (str(entry.resourceID), when.astimezone(UTC).date())
            hours[key] = round(hours.get(key, 0.0) + entry.hoursWorked, 4)
        return hours

    # ----------------------------------------------------------------- report details
    details_batch_size = details.BATCH_SIZE

    async def fetch_report_details(self, wanted: Sequence[DetailsWanted]) -> dict[str, TicketDetails]:
        """Time entries and SLA verdicts of a batch of tickets (two queries, not one call per ticket)."""
        ids = sorted({int(w.external_id) for w in wanted if w.external_id.isdigit()})
        if not ids:
            return {}
        await self.adapt()
        found = await details.ticket_details(self.at, ids, self._naive_zone)
        return {str(ticket_id): value for ticket_id, value in found.items()}

    # ----------------------------------------------------------------- writes
    async def _ticket_from_raw(self, raw: dict[str, Any]) -> Ticket | None:
        return self._map([raw], await self.picklists()).get(str(raw.get("id")))

    async def update_ticket(self, external_id: str, fields: Mapping[str, Any]) -> writes.WriteReadback:
        """Change ticket fields (Autotask names, e.g. ``{"status": 5}``), read back; raises WriteRejected if refused."""
        return await writes.update_ticket(self.at, external_id, fields, self._ticket_from_raw)

    async def add_note(
        self, external_id: str, title: str, text: str, *, note_type: int = 1, publish: int = 1
    ) -> writes.WriteReadback:
        """Add a note to a ticket, read it back; raises WriteRejected if refused."""
        return await writes.add_note(
            self.at, external_id, title, text, self._ticket_from_raw, note_type=note_type, publish=publish
        )

    async def apply_update(self, external_id: str, update: TicketUpdate) -> WriteResult:
        """Change status / priority / queue / assignee and/or add a note, read back and judge (actions.py)."""
        return await actions.apply_update(self, external_id, update)

    # ----------------------------------------------------------------- lifecycle
    async def check(self) -> str:
        """Resolve the zone and read ThresholdInformation with the credentials (one authenticated call)."""
        base = await self.at.base()
        reading = await self.adapt(force=True)
        if reading is None:
            raise ConnectorError("Autotask accepted the connection but ThresholdInformation could not be read")
        return (
            f"credentials accepted at {base}; the database used {reading.used} of {reading.limit} requests in the "
            f"last {reading.timeframe_minutes} minutes"
        )

    async def aclose(self) -> None:
        """Close the HTTP pools."""
        await self.at.aclose()
