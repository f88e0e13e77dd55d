"""The LibreNMS connector: devices, outages (full and incremental), links, event log, alerts and more.

Every method raises ConnectorError (``permanent`` for a rejected token) and returns nothing partial: a list is
complete or the call fails. Requests are paced by ``requests_per_minute`` (the shared RequestBudget) and at
most ``max_concurrency`` are in flight; 429/5xx answers are retried with Retry-After or backoff (base.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import httpx2
from pydantic import BaseModel, ValidationError

from deskpulse.clock import utcnow
from deskpulse.connectors.base import ConnectorError, RequestBudget, Sleep
from deskpulse.connectors.librenms import client
from deskpulse.connectors.librenms.mapping import (
    keep_outages,
    map_alert,
    map_device,
    map_event,
    map_link,
    map_outage,
    map_port,
    map_service,
    status_change_hosts,
)
from deskpulse.connectors.librenms.models import (
    LnAlert,
    LnDevice,
    LnEvent,
    LnGroup,
    LnLink,
    LnOutage,
    LnPort,
    LnService,
    to_int,
)
from deskpulse.connectors.librenms.outage_sync import OutageSyncState, devices_to_read, next_marks, sweep_due
from deskpulse.connectors.librenms.records import (
    Alert,
    Device,
    DeviceGroup,
    DeviceStatus,
    Event,
    EventlogBatch,
    Link,
    Outage,
    Port,
    Service,
)
from deskpulse.connectors.librenms.settings import LibreNmsSettings

PORT_COLUMNS = ("port_id", "device_id", "ifName", "ifAlias", "ifOperStatus", "ifAdminStatus", "ifSpeed")
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
P = ParamSpec("P")


class LibreNmsConnector:
    """Reads one LibreNMS install through API v0."""

    kind = "librenms"

    def __init__(
        self,
        cfg: LibreNmsSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        budget: RequestBudget | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.cfg = cfg
        self.zone = ZoneInfo(cfg.server_timezone)
        self.budget = budget or RequestBudget(cfg.requests_per_minute)
        self.http = client.make_http(cfg, budget=self.budget, transport=transport, sleep=sleep)
        self._clock = clock

    # ----------------------------------------------------------------- reading rows
    def _parse(self, model: type[M], row: dict[str, Any], what: str) -> M:
        try:
            return model.model_validate(row)
        except ValidationError as exc:
            raise ConnectorError(f"LibreNMS sent {what} deskpulse cannot read: {exc}") from exc

    def _map(self, what: str, build: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return build(*args, **kwargs)
        except ValueError as exc:  # unreadable timestamps, rows without their key
            raise ConnectorError(f"LibreNMS sent {what} deskpulse cannot read: {exc}") from exc

    # ----------------------------------------------------------------- devices
    def _device(self, row: dict[str, Any], now: datetime) -> Device:
        raw = self._parse(LnDevice, row, f"a device (id {row.get('device_id')})")
        stale_after = timedelta(seconds=self.cfg.stale_after_seconds)
        return self._map("a device", map_device, raw, zone=self.zone, now=now, stale_after=stale_after)

    async def fetch_devices(self) -> list[Device]:
        """Every device (``type=all``), by hostname; status up / down / unknown as of now."""
        now = self._clock()
        rows = await client.list_devices(self.http)
        return sorted((self._device(row, now) for row in rows), key=lambda d: d.hostname)

    async def fetch_device(self, hostname: str) -> Device | None:
        """One device by hostname or id; None when LibreNMS does not know it."""
        row = await client.get_device(self.http, hostname)
        return None if row is None else self._device(row, self._clock())

    # ----------------------------------------------------------------- outages
    def _since(self) -> datetime:
        return self._clock() - timedelta(days=self.cfg.outage_history_days)

    async def fetch_outages(self, hostname: str, since: datetime | None = None) -> list[Outage]:
        """One device's outages still open or ending after ``since`` (default: ``outage_history_days``), oldest
        first, in UTC."""
        rows = await client.device_outages(self.http, hostname)
        raws = [self._parse(LnOutage, row, f"an outage of {hostname}") for row in rows]
        outages = [self._map(f"an outage of {hostname}", map_outage, hostname, raw, self.zone) for raw in raws]
        return keep_outages(outages, self._since() if since is None else since)

    async def fetch_outages_for(
        self, hostnames: Iterable[str], since: datetime | None = None
    ) -> dict[str, list[Outage]]:
        """Outages of several devices, ``max_concurrency`` at a time; one failure fails the whole call."""
        hosts = list(dict.fromkeys(hostnames))
        results = await _all([self.fetch_outages(host, since) for host in hosts])
        return dict(zip(hosts, results, strict=True))

    async def fetch_outages_incremental(
        self, state: OutageSyncState | None = None, since: datetime | None = None
    ) -> tuple[dict[str, list[Outage]], OutageSyncState]:
        """Outages of the devices that may have changed since ``state`` (all of them on a full sweep).

        Returns (hostname -> that device's complete outage list since ``since``, for the devices read only;
        replace what you hold for them) and the state to pass next time. On a full sweep every current device is
        in the dict. Raises ConnectorError without a new state if any read fails. See outage_sync.py.
        """
        state = state or OutageSyncState()
        now = self._clock()
        devices = await self.fetch_devices()
        full = sweep_due(state, now, timedelta(seconds=self.cfg.full_sweep_seconds))
        watermark, hinted = state.eventlog_from, set[str]()
        if self.cfg.eventlog_hints:
            if full or watermark is None:
                # Read the head before the outages, so events during the sweep are looked at again next time.
                watermark = await self._eventlog_next_from()
            else:
                batch = await self.fetch_eventlog(since_id=watermark)
                watermark, hinted = batch.next_from, status_change_hosts(batch.events)
        hosts = [d.hostname for d in devices] if full else devices_to_read(devices, state, hinted)
        known = {d.hostname for d in devices}
        read = await self.fetch_outages_for([h for h in hosts if h in known], since)
        marks = next_marks(devices, state, read)
        return read, OutageSyncState(marks, now if full else state.last_full_sweep, watermark)

    # ----------------------------------------------------------------- event log
    async def fetch_eventlog(
        self, since_id: int | None = None, *, since: datetime | None = None, hostname: str | None = None
    ) -> EventlogBatch:
        """Events with ``event_id >= since_id`` (or at/after ``since``; everything when both are None), oldest
        first, read ``eventlog_page_size`` at a time by offset; ``next_from`` is the largest id + 1."""
        if since_id is not None:
            lower: str | None = str(since_id)
        elif since is not None:
            lower = since.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")
        else:
            lower = None
        found: dict[int, Event] = {}
        pages = client.eventlog_pages(self.http, lower=lower, limit=self.cfg.eventlog_page_size, hostname=hostname)
        async for page in pages:
            for row in page.items:
                raw = self._parse(LnEvent, row, "an event log entry")
                event = self._map("an event log entry", map_event, raw, self.zone)
                found[event.event_id] = event  # offset paging can repeat a row when the log shifts
        events = sorted(found.values(), key=lambda e: (e.at is None, e.at, e.event_id))
        return EventlogBatch(events, max(found) + 1 if found else since_id)

    async def _eventlog_next_from(self) -> int:
        """The ``from`` that starts after today's newest event (1 for an empty log)."""
        row = await client.eventlog_head(self.http)
        newest = self._map("an event log entry", to_int, row.get("event_id")) if row else None
        return (newest or 0) + 1

    # ----------------------------------------------------------------- topology and the rest
    async def fetch_links(self, devices: list[Device] | None = None) -> list[Link]:
        """LLDP/CDP neighbours, both ends named by LibreNMS hostname when monitored (suggested parents)."""
        devices = devices if devices is not None else await self.fetch_devices()
        hosts = {d.device_id: d.hostname for d in devices}
        port_rows, link_rows = await _all(
            [client.list_ports(self.http, ("port_id", "ifName")), client.list_links(self.http)]
        )
        named = (self._map("a port", map_port, self._parse(LnPort, row, "a port")) for row in port_rows)
        ports = {port.port_id: port.name for port in named if port.name}
        links = (self._map("a link", map_link, self._parse(LnLink, row, "a link"), hosts, ports) for row in link_rows)
        return [link for link in links if link is not None]

    async def fetch_ports(self) -> list[Port]:
        """Every non-deleted port."""
        rows = await client.list_ports(self.http, PORT_COLUMNS)
        return [self._map("a port", map_port, self._parse(LnPort, row, "a port")) for row in rows]

    async def fetch_alerts(self, states: Iterable[int] = (1,)) -> list[Alert]:
        """Alerts in ``states`` (0 ok, 1 alerting, 2 acknowledged), newest first."""
        rows = await client.list_alerts(self.http, ",".join(str(s) for s in states))
        raws = [self._parse(LnAlert, row, "an alert") for row in rows]
        return [self._map("an alert", map_alert, raw, self.zone) for raw in raws]

    async def fetch_device_groups(self) -> list[DeviceGroup]:
        """Device groups with their member ids (one request per group, gated)."""
        groups = [self._parse(LnGroup, row, "a device group") for row in await client.list_devicegroups(self.http)]
        members = await _all([client.devicegroup_members(self.http, g.name or "") for g in groups])
        found = []
        for group, rows in zip(groups, members, strict=True):
            if group.id is None or not group.name:
                raise ConnectorError(f"LibreNMS sent a device group without id or name: {group!r}")
            ids = (self._map(f"a member of group {group.name}", to_int, row.get("device_id")) for row in rows)
            found.append(DeviceGroup(group.id, group.name, group.desc, group.type, tuple(i for i in ids if i)))
        return found

    async def fetch_services(self, hostname: str | None = None) -> list[Service]:
        """Service checks of every device, or of one (rows arrive as ``[[…]]`` and are flattened)."""
        rows = await client.list_services(self.http, hostname)
        raws = [self._parse(LnService, row, "a service") for row in rows]
        return [self._map("a service", map_service, raw, self.zone) for raw in raws]

    async def check(self) -> str:
        """Verify the token with one call; returns a sentence about what was found."""
        devices = await self.fetch_devices()
        down = sum(1 for d in devices if d.status is DeviceStatus.DOWN)
        return f"token accepted; {len(devices)} device(s), {down} down"

    async def aclose(self) -> None:
        """Close the HTTP pool."""
        await self.http.aclose()


async def _all(calls: list[Coroutine[Any, Any, R]]) -> list[R]:
    """Run ``calls`` concurrently (the HTTP gate bounds them); on the first failure cancel the rest and raise it."""
    tasks: list[asyncio.Task[R]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks.extend(group.create_task(call) for call in calls)
    except BaseExceptionGroup as failed:
        raise _first(failed) from None
    return [task.result() for task in tasks]


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first ConnectorError in a (nested) exception group, else its first exception."""
    flat: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        current = pending.pop(0)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        else:
            flat.append(current)
    return next((e for e in flat if isinstance(e, ConnectorError)), flat[0])
