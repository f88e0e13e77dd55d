"""LibreNMS rows -> records. Pure functions: no I/O, time passed in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo

from deskpulse.connectors.librenms.models import LnAlert, LnDevice, LnEvent, LnLink, LnOutage, LnPort, LnService
from deskpulse.connectors.librenms.records import Alert, Device, DeviceStatus, Event, Link, Outage, Port, Service

# First hostname label prefix -> role hint. Only a hint for suggestions; the uptime graph is configured.
ROLE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("cpe", "cpe"), ("acc", "access"), ("dist", "distribution"), ("agg", "distribution"),
    ("core", "core"), ("upl", "carrier"), ("transit", "carrier"), ("carrier", "carrier"),
)  # fmt: skip
STATUS_MESSAGE = "device status changed to"  # [I] LibreNMS's wording for up/down events


def parse_time(value: str | int | None, zone: tzinfo) -> datetime | None:
    """Epoch seconds, ISO with ``Z``/offset, or naive ``YYYY-MM-DD HH:MM:SS`` read in ``zone`` -> aware UTC.

    Null, empty and MySQL's zero date ``0000-00-00 00:00:00`` read as None; anything else unreadable raises
    ValueError.
    """
    if value is None:
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value, UTC)
    text = value.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def role_hint(hostname: str) -> str | None:
    """A role guessed from the first label of ``hostname`` (``acc-sw-03`` -> access), or None."""
    label = hostname.lower().split(".")[0]
    for prefix, role in ROLE_PREFIXES:
        if label.startswith(prefix):
            return role
    return None


def _required(value: int | str | None, what: str) -> int | str:
    if value is None or value == "":
        raise ValueError(f"row without {what}")
    return value


def map_device(raw: LnDevice, *, zone: tzinfo, now: datetime, stale_after: timedelta) -> Device:
    """One device; status DOWN when LibreNMS says so, UNKNOWN when disabled or not looked at lately."""
    device_id = int(_required(raw.device_id, "device_id"))
    hostname = str(_required(raw.hostname, "hostname"))
    polled, ping = parse_time(raw.last_polled, zone), parse_time(raw.last_ping, zone)
    seen = max((t for t in (polled, ping) if t is not None), default=None)
    stale = seen is None or now - seen > stale_after
    disabled = bool(raw.disabled)
    if disabled or raw.status is None or stale:
        # A down device whose ping is stale is not known to be down now either: the poller stopped looking.
        status = DeviceStatus.UNKNOWN
    else:
        status = DeviceStatus.UP if raw.status else DeviceStatus.DOWN
    parents = tuple(p.strip() for p in (raw.dependency_parent_hostname or "").split(",") if p.strip())
    return Device(
        device_id=device_id, hostname=hostname, sys_name=raw.sysName, display_name=raw.display, ip=raw.ip,
        status=status, librenms_up=raw.status, status_reason=raw.status_reason or None, stale=stale,
        last_polled=polled, last_ping=ping, os=raw.os, hardware=raw.hardware, device_type=raw.type,
        role_hint=role_hint(hostname), location=raw.location, parent_hostnames=parents, ignored=bool(raw.ignore),
        disabled=disabled, uptime_seconds=raw.uptime, added_at=parse_time(raw.inserted, zone),
    )  # fmt: skip


def map_outage(hostname: str, raw: LnOutage, zone: tzinfo) -> Outage:
    """One outage; ``up_again`` null (or zero) means the device is still down [S]."""
    start = parse_time(raw.going_down, zone)
    if start is None:
        raise ValueError("outage without going_down")
    end = None if raw.up_again in (0, "0") else parse_time(raw.up_again, zone)
    return Outage(hostname=hostname, start=start, end=end)


def keep_outages(outages: Iterable[Outage], since: datetime | None) -> list[Outage]:
    """Outages still open or ending at/after ``since``, oldest first."""
    kept = [o for o in outages if since is None or o.end is None or o.end >= since]
    return sorted(kept, key=lambda o: o.start)


def map_event(raw: LnEvent, zone: tzinfo) -> Event:
    """One event log entry."""
    return Event(
        event_id=int(_required(raw.event_id, "event_id")), hostname=raw.hostname, device_id=raw.device_id,
        at=parse_time(raw.datetime, zone), type=raw.type, message=raw.message or "", severity=raw.severity,
        reference=None if raw.reference in (None, "NULL") else raw.reference,
    )  # fmt: skip


def status_change_hosts(events: Iterable[Event]) -> set[str]:
    """Hostnames with an up/down status change among ``events`` (their outages changed)."""
    return {e.hostname for e in events if e.hostname and e.message.lower().startswith(STATUS_MESSAGE)}


def map_alert(raw: LnAlert, zone: tzinfo) -> Alert:
    """One alert."""
    return Alert(
        alert_id=int(_required(raw.id, "id")), hostname=raw.hostname, device_id=raw.device_id, rule_id=raw.rule_id,
        name=raw.name, severity=raw.severity, state=raw.state, at=parse_time(raw.timestamp, zone), note=raw.note,
    )  # fmt: skip


def map_link(raw: LnLink, hosts: Mapping[int, str], ports: Mapping[int, str]) -> Link | None:
    """One adjacency with both ends named by LibreNMS hostname where known; None if the local device is unknown.

    The advertised ``remote_hostname`` is the neighbour's sysName (often an FQDN, sometimes a factory default
    shared by many devices), so a monitored neighbour is named by ``remote_device_id`` instead.
    """
    local = hosts.get(int(_required(raw.local_device_id, "local_device_id")))
    if local is None:
        return None
    remote_id = raw.remote_device_id or None
    remote = hosts.get(remote_id) if remote_id is not None else None
    if remote is None:
        remote_id = None
        remote = raw.remote_hostname or "(unnamed neighbour)"
    return Link(
        local_host=local, remote_host=remote, protocol=(raw.protocol or "lldp").lower(),
        local_port=ports.get(raw.local_port_id) if raw.local_port_id else None, remote_port=raw.remote_port,
        remote_device_id=remote_id, active=raw.active is not False,
    )  # fmt: skip


def map_port(raw: LnPort) -> Port:
    """One port."""
    return Port(
        port_id=int(_required(raw.port_id, "port_id")), device_id=raw.device_id, name=raw.ifName, alias=raw.ifAlias,
        oper_up=None if raw.ifOperStatus is None else raw.ifOperStatus.lower() == "up",
        admin_up=None if raw.ifAdminStatus is None else raw.ifAdminStatus.lower() == "up", speed_bps=raw.ifSpeed,
    )  # fmt: skip


def map_service(raw: LnService, zone: tzinfo) -> Service:
    """One service check."""
    return Service(
        service_id=int(_required(raw.service_id, "service_id")), device_id=raw.device_id, name=raw.service_name,
        type=raw.service_type, status=raw.service_status, message=raw.service_message,
        changed_at=parse_time(raw.service_changed, zone), ignored=bool(raw.service_ignore),
        disabled=bool(raw.service_disabled),
    )  # fmt: skip


def poller_silent(devices: Iterable[Device]) -> bool:
    """True when no enabled device was polled or pinged lately: LibreNMS's poller is not running (UNKNOWN)."""
    enabled = [d for d in devices if not d.disabled]
    return bool(enabled) and all(d.stale for d in enabled)
