"""What the LibreNMS connector hands out: plain, frozen records with aware UTC times and no vendor quirks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeviceStatus(StrEnum):
    """A device's state as deskpulse reads it now.

    UNKNOWN: disabled in LibreNMS, or neither polled nor pinged within ``stale_after_seconds`` (the poller is
    down, or the device sits behind a failed parent and LibreNMS stopped looking at it).
    """

    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Device:
    """One monitored device. ``hostname`` is LibreNMS's key (the name or IP it was added by)."""

    device_id: int
    hostname: str
    sys_name: str | None
    display_name: str | None
    ip: str | None
    status: DeviceStatus
    librenms_up: bool | None  # LibreNMS's own status flag, whatever deskpulse concluded
    status_reason: str | None  # "icmp" (no ping) or "snmp" (ping but no SNMP) when down [S]
    stale: bool  # last_polled and last_ping both older than stale_after_seconds (or missing)
    last_polled: datetime | None
    last_ping: datetime | None
    os: str | None
    hardware: str | None
    device_type: str | None  # LibreNMS's type: network, server, firewall, wireless, …
    role_hint: str | None  # carrier / core / distribution / access / cpe guessed from the hostname, or None
    location: str | None
    parent_hostnames: tuple[str, ...]  # LibreNMS dependency parents (suggestions, not the uptime graph)
    ignored: bool
    disabled: bool
    uptime_seconds: int | None
    added_at: datetime | None = None  # when the device was added to LibreNMS (``inserted``)


@dataclass(frozen=True, slots=True)
class Outage:
    """One outage of one device; ``end`` None = still down."""

    hostname: str
    start: datetime
    end: datetime | None

    @property
    def open(self) -> bool:
        """True while the device is still down."""
        return self.end is None


@dataclass(frozen=True, slots=True)
class Link:
    """An LLDP/CDP adjacency; ``remote_device_id`` None when the neighbour is not monitored by LibreNMS."""

    local_host: str
    remote_host: str
    protocol: str
    local_port: str | None
    remote_port: str | None
    remote_device_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class Event:
    """One event log entry (severity: 0 unknown, 1 ok, 2 info, 3 notice, 4 warning, 5 error [S])."""

    event_id: int
    hostname: str | None
    device_id: int | None
    at: datetime | None
    type: str | None
    message: str
    severity: int | None
    reference: str | None


@dataclass(frozen=True, slots=True)
class EventlogBatch:
    """Events read in one call, and the ``from`` to pass next time (unchanged when nothing was new)."""

    events: list[Event]
    next_from: int | None


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert row; state 0 ok, 1 alerting, 2 acknowledged [D]."""

    alert_id: int
    hostname: str | None
    device_id: int | None
    rule_id: int | None
    name: str | None
    severity: str | None
    state: int | None
    at: datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class Port:
    """One (non-deleted) port."""

    port_id: int
    device_id: int | None
    name: str | None
    alias: str | None
    oper_up: bool | None
    admin_up: bool | None
    speed_bps: int | None


@dataclass(frozen=True, slots=True)
class DeviceGroup:
    """A LibreNMS device group and its member device ids."""

    group_id: int
    name: str
    description: str | None
    type: str | None
    device_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Service:
    """One service check; status 0 ok, 1 warning, 2 critical, 3 not yet checked [C]."""

    service_id: int
    device_id: int | None
    name: str | None
    type: str | None
    status: int | None
    message: str | None
    changed_at: datetime | None
    ignored: bool
    disabled: bool
