"""The Trengo connector: list calls mapped to domain objects, and ticket actions written back."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx2
from pydantic import ValidationError

from deskpulse.config import SourceConfig
from deskpulse.connectors.base import ConnectorError, NotFoundError, RequestBudget, Sleep
from deskpulse.connectors.protocol import Directory, Progress
from deskpulse.connectors.trengo import actions, client
from deskpulse.connectors.trengo.mapping import map_team, map_ticket, map_user, parse_timestamp, web_base_url
from deskpulse.connectors.trengo.models import TrengoTeam, TrengoTicket, TrengoUser
from deskpulse.connectors.writeback import TicketUpdate, WriteResult
from deskpulse.domain.tickets import Ticket

ACTIVE_STATUSES = ("OPEN", "ASSIGNED")


class TrengoConnector:
    """Reads tickets, teams and users from the Trengo REST API v2."""

    kind = "trengo"

    def __init__(
        self,
        cfg: SourceConfig,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        budget: RequestBudget | None = None,
    ) -> None:
        self.cfg = cfg
        self.zone = ZoneInfo(cfg.naive_timezone)
        self.budget = budget or RequestBudget(cfg.requests_per_minute, cfg.budget_share)
        self.web_base = web_base_url(cfg.base_url)
        self.http = client.make_http(
            base_url=cfg.base_url,
            token=cfg.token,
            budget=self.budget,
            timeout=cfg.timeout_seconds,
            max_retries=cfg.max_retries,
            transport=transport,
            sleep=sleep,
        )

    def _ticket(self, item: dict[str, object]) -> Ticket:
        try:
            return map_ticket(TrengoTicket.model_validate(item), naive_zone=self.zone, web_base=self.web_base)
        except (ValidationError, ValueError) as exc:
            raise ConnectorError(f"Trengo sent a ticket deskpulse cannot read (id {item.get('id')}): {exc}") from exc

    def _stamp(self, item: dict[str, object]) -> datetime | None:
        try:
            return parse_timestamp(client.latest_message_at(item), self.zone)
        except ValueError as exc:
            raise ConnectorError(f"Trengo sent an unreadable message time on ticket {item.get('id')}: {exc}") from exc

    async def fetch_directory(self) -> Directory:
        """All teams and users (full paginator, followed by links.next)."""
        directory = Directory()
        try:
            async for page in client.list_teams(self.http):
                directory.teams.extend(map_team(TrengoTeam.model_validate(t)) for t in page.items)
            async for page in client.list_users(self.http):
                directory.agents.extend(map_user(TrengoUser.model_validate(u)) for u in page.items)
        except ValidationError as exc:
            raise ConnectorError(f"Trengo sent a team or user deskpulse cannot read: {exc}") from exc
        return directory

    async def fetch_active(self, progress: Progress | None = None) -> list[Ticket]:
        """OPEN and ASSIGNED tickets; a ticket seen in both passes (it moved meanwhile) is kept once."""
        found: dict[str, Ticket] = {}
        for status in ACTIVE_STATUSES:
            async for page in client.list_tickets(self.http, status=status):
                for item in page.items:
                    ticket = self._ticket(item)
                    found[ticket.external_id] = ticket
                if progress is not None:
                    progress(len(found))
        return list(found.values())

    async def fetch_closed_since(self, since: datetime, progress: Progress | None = None) -> list[Ticket]:
        """CLOSED tickets by last message date, newest first, until the page's messages predate ``since``."""
        found: dict[str, Ticket] = {}
        async for page in client.list_tickets(self.http, status="CLOSED", sort="-date"):
            crossed = False
            for item in page.items:
                stamp = self._stamp(item)
                if stamp is not None and stamp < since:
                    crossed = True
                    continue
                ticket = self._ticket(item)
                found[ticket.external_id] = ticket
            if progress is not None:
                progress(len(found))
            if crossed:
                break
        return list(found.values())

    async def fetch_ticket(self, external_id: str) -> Ticket | None:
        """One ticket, or None when Trengo answers 404 (deleted or merged away)."""
        try:
            raw = await client.get_ticket(self.http, external_id)
        except NotFoundError:
            return None
        return self._ticket(dict(raw))

    async def apply_update(self, external_id: str, update: TicketUpdate) -> WriteResult:
        """Reopen, assign and/or close one ticket, read it back and judge (see actions.py for what is refused)."""
        return await actions.apply_update(self.http, self.fetch_ticket, external_id, update)

    async def check(self) -> str:
        """Verify the token with one call."""
        users = await client.probe(self.http)
        return f"token accepted; {users} user(s) on the first page"

    async def aclose(self) -> None:
        """Close the HTTP pool."""
        await self.http.aclose()
