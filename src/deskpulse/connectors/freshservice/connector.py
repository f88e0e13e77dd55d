"""The Freshservice connector: list, filter and single-ticket calls mapped to domain objects; ticket actions."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx2
from pydantic import ValidationError

from deskpulse.clock import utcnow
from deskpulse.connectors.base import Clock, ConnectorError, NotFoundError, Sleep
from deskpulse.connectors.freshservice import actions, active_set, client, details
from deskpulse.connectors.freshservice.budget import PlanBudget, plan_budget
from deskpulse.connectors.freshservice.mapping import MappingContext, map_accounts, map_agent, map_group, map_ticket
from deskpulse.connectors.freshservice.models import FsAgent, FsGroup, FsPerson, FsStats, FsTicket
from deskpulse.connectors.freshservice.settings import FreshserviceSettings
from deskpulse.connectors.freshservice.statuses import StatusTable, build_status_table, status_choices
from deskpulse.connectors.protocol import DetailsWanted, Directory, Progress
from deskpulse.connectors.writeback import TicketUpdate, WriteResult
from deskpulse.domain.ticket_details import TicketDetails
from deskpulse.domain.tickets import Ticket


class FreshserviceConnector:
    """Reads tickets, groups and agents from the Freshservice API v2 (one account or workspace)."""

    kind = "freshservice"

    def __init__(
        self,
        cfg: FreshserviceSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        budget: PlanBudget | None = None,
        now: Callable[[], datetime] = utcnow,
        monotonic: Clock = time.monotonic,
    ) -> None:
        self.cfg = cfg
        self.budget = budget or plan_budget(cfg, clock=monotonic)
        self.fs = client.make_http(
            base_url=cfg.base_url,
            api_key=cfg.api_key,
            budget=self.budget,
            timeout=cfg.timeout_seconds,
            max_retries=cfg.max_retries,
            include_cost=cfg.include_credit_cost,
            transport=transport,
            sleep=sleep,
        )
        self._now = now
        self._monotonic = monotonic
        self._statuses: StatusTable | None = None
        self._statuses_at = 0.0
        self.requesters: dict[int, FsPerson] = {}
        self.organisations: tuple[str, list[dict[str, Any]]] = ("departments", [])
        # The filter endpoint carries no stats [I]; the last stats seen per ticket fill them in.
        self._stats: dict[int, FsStats] = {}
        self.warnings: list[str] = []

    def take_warnings(self) -> list[str]:
        """Warnings collected since the last call (unknown statuses, unreadable tickets, filter overflow)."""
        found, self.warnings = self.warnings, []
        return found

    def _warn(self, messages: Iterable[str]) -> None:
        self.warnings.extend(m for m in messages if m not in self.warnings)

    async def status_table(self) -> StatusTable:
        """Statuses from ``/ticket_form_fields``, cached for ``status_cache_seconds``."""
        fresh = self._monotonic() - self._statuses_at < self.cfg.status_cache_seconds
        if self._statuses is not None and fresh:
            return self._statuses
        try:
            choices = status_choices(await client.list_ticket_fields(self.fs))
        except ConnectorError as exc:
            if exc.permanent:
                raise
            # Custom statuses are a refinement: the standard four and the overrides still work without them.
            self._warn([f"Freshservice ticket form fields unavailable ({exc.message}); custom statuses unknown"])
            choices = {}
        self._statuses = build_status_table(choices, self.cfg.status_map)
        self._statuses_at = self._monotonic()
        self._warn(self._statuses.warnings)
        return self._statuses

    def _map(self, items: Iterable[Mapping[str, Any]], table: StatusTable) -> dict[str, Ticket]:
        ctx = MappingContext(statuses=table, web_base=self.cfg.web_base, requesters=self.requesters)
        found: dict[str, Ticket] = {}
        for item in items:
            try:
                raw = FsTicket.model_validate(item)
                if raw.stats is None and raw.id in self._stats:
                    raw = raw.model_copy(update={"stats": self._stats[raw.id]})
                elif raw.stats is not None:
                    self._stats[raw.id] = raw.stats
                if raw.deleted or raw.spam:
                    continue
                ticket = map_ticket(raw, ctx)
            except (ValidationError, ValueError) as exc:
                # One unreadable ticket must not stop the sync of all others.
                self._warn([f"Freshservice ticket {item.get('id')} skipped: {exc}".splitlines()[0]])
                continue
            if not ticket.status_category.is_active:
                self._stats.pop(raw.id, None)  # the cache only serves the active set
            found[ticket.external_id] = ticket
        self._warn(ctx.warnings)
        return found

    async def fetch_directory(self) -> Directory:
        """Groups as teams and agents as agents; also refreshes requesters and departments/companies."""
        try:
            teams = [map_group(FsGroup.model_validate(g)) for g in await client.list_groups(self.fs)]
            agents = [map_agent(FsAgent.model_validate(a)) for a in await client.list_agents(self.fs)]
            if self.cfg.sync_requesters:
                people = [FsPerson.model_validate(r) for r in await client.list_requesters(self.fs)]
                self.requesters = {p.id: p for p in people if p.id is not None}
        except ValidationError as exc:
            raise ConnectorError(f"Freshservice sent a group, agent or requester deskpulse cannot read: {exc}") from exc
        self.organisations = await client.list_companies_or_departments(self.fs)
        return Directory(teams=teams, agents=agents, accounts=map_accounts(*self.organisations))

    async def fetch_active(self, progress: Progress | None = None) -> list[Ticket]:
        """Reconciliation: every ticket in an active status code (standard and custom), read via the filter."""
        table = await self.status_table()
        read = await active_set.read_active(
            self.fs, table.active_codes(), today=self._now().date(), workspace_id=self.cfg.workspace_id
        )
        self._warn(read.warnings)
        found = self._map(read.tickets.values(), table)
        if progress is not None:
            progress(len(found))
        # A ticket listed while it changed status may have left the active set meanwhile.
        return [t for t in found.values() if t.status_category.is_active]

    async def fetch_changed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Incremental path: every ticket (any status) updated since ``since - overlap_seconds``, with stats."""
        table = await self.status_table()
        include = ("stats", "requester") if self.cfg.include_requester else ("stats",)
        watermark = since - timedelta(seconds=self.cfg.overlap_seconds)
        found: dict[str, Ticket] = {}
        async for page in client.list_tickets(
            self.fs, updated_since=watermark, include=include, workspace_id=self.cfg.workspace_id
        ):
            found.update(self._map(page.items, table))
            if progress is not None:
                progress(len(found))
        return list(found.values())

    async def fetch_closed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """Tickets changed since ``since`` in any status (Freshservice lists by updated_since, not by status)."""
        return await self.fetch_changed_since(since, progress)

    async def fetch_ticket(self, external_id: str) -> Ticket | None:
        """One ticket with stats; None when Freshservice answers 404 or the ticket is in the trash or spam."""
        if not external_id.isdigit():
            return None
        try:
            raw = await client.get_ticket(self.fs, int(external_id))
        except NotFoundError:
            return None
        table = await self.status_table()
        return self._map([raw], table).get(external_id)

    details_batch_size = 1  # conversations, time entries and CSAT are per-ticket calls only [C]
    # [I] A survey answer can come days after resolution without changing the ticket: ask again for this long.
    csat_late_days = 14

    async def fetch_report_details(self, wanted: Sequence[DetailsWanted]) -> dict[str, TicketDetails]:
        """Replies, time entries and (finished tickets) CSAT per ticket; raises ConnectorError when a call fails."""
        found: dict[str, TicketDetails] = {}
        for item in wanted:
            if not item.external_id.isdigit():
                continue
            found[item.external_id] = await details.ticket_details(
                self.fs, int(item.external_id), finished=item.finished
            )
        return found

    async def apply_update(self, external_id: str, update: TicketUpdate) -> WriteResult:
        """Update the fields and/or add a private note on one ticket, read it back and judge (see actions.py)."""
        return await actions.apply_update(self.fs, self.fetch_ticket, external_id, update)

    async def check(self) -> str:
        """Verify the API key with one call."""
        agents = await client.probe(self.fs)
        return f"API key accepted; {agents} agent(s) on a one-row page"

    async def aclose(self) -> None:
        """Close the HTTP pool."""
        await self.fs.aclose()
