"""Scenario state rendered as LibreNMS API v0 rows, quirks included (see /work/shared/vendor-api/librenms.md).

* Raw-SQL rows (device list, alerts, event log) carry naive ``YYYY-MM-DD HH:MM:SS`` in the server's zone;
  the Eloquent row of ``GET /devices/:h`` has ``"status": true`` and ISO ``…000000Z`` times [C].
* ``legacy_strings`` renders raw-SQL values as strings, as older releases do [D]; event log rows always are [D].
* ``dependency_parent_id`` / ``_hostname`` are comma-joined strings (GROUP_CONCAT) [S].
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from deskpulse.simulators.librenms_logs import RULES, AlertRecord, EventRecord
from deskpulse.simulators.librenms_scenario import LibreNmsScenario
from deskpulse.simulators.librenms_topology import CLIENTS, ROLES, SimDevice, SimLink, SimPort, parents_of

PORT_COLUMNS: tuple[str, ...] = (
    "port_id", "device_id", "ifName", "ifDescr", "ifAlias", "ifIndex", "ifOperStatus", "ifAdminStatus", "ifSpeed",
    "ifInOctets_rate", "ifOutOctets_rate", "ifInErrors_rate", "ignore", "disabled", "deleted", "poll_time",
)  # fmt: skip
ACCESS_RULES = {
    "condition": "AND",
    "rules": [{"id": "devices.hostname", "field": "devices.hostname", "type": "string", "input": "text",
               "operator": "begins_with", "value": "acc-sw-"}],
    "valid": True,
}  # fmt: skip


def stringly(row: dict[str, Any]) -> dict[str, Any]:
    """Every non-null scalar as a string, the way older releases return raw-SQL rows [D]."""
    return {key: value if value is None else str(value) for key, value in row.items()}


def iso_z(ts: int | None) -> str | None:
    """Eloquent's ISO format with microseconds and ``Z`` [C]."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _naive(scenario: LibreNmsScenario, ts: int | None) -> str | None:
    return None if ts is None else scenario.fmt(ts)


def device_row(scenario: LibreNmsScenario, device: SimDevice, unreachable: dict[str, int]) -> dict[str, Any]:
    """One row of ``GET /devices`` (raw SQL with the dependency columns)."""
    polled, ping = scenario.last_seen(device, unreachable)
    down = scenario.is_down(device.hostname)
    spans = scenario.live.recorded.get(device.hostname) or []
    back_since = spans[-1].end if spans and spans[-1].end is not None else device.added_at
    parents = parents_of(device)
    row: dict[str, Any] = {
        "device_id": device.device_id, "inserted": scenario.fmt(device.added_at), "hostname": device.hostname,
        "sysName": device.sys_name, "display": None, "ip": device.ip, "os": device.os, "hardware": device.hardware,
        "version": device.version, "location_id": 1 + device.device_id % 2, "status": 0 if down else 1,
        "status_reason": "icmp" if down else "", "ignore": int(device.ignore), "disabled": int(device.disabled),
        "uptime": None if down or polled is None else max(0, polled - back_since),
        "last_polled": _naive(scenario, polled), "last_poll_attempted": None,
        "last_polled_timetaken": round(2.5 + device.poll_offset / 37, 4),
        "last_discovered": _naive(scenario, None if polled is None else polled - polled % 21_600),
        "last_ping": _naive(scenario, ping), "last_ping_timetaken": round(0.4 + device.poll_offset / 113, 2),
        "type": device.type, "icon": device.icon, "poller_group": 0, "disable_notify": 0, "ignore_status": 0,
        "max_depth": ROLES.index(device.role),
        "dependency_parent_id": ",".join(str(scenario.topology.by_host[p].device_id) for p in parents) or None,
        "dependency_parent_hostname": ",".join(parents) or None,
        "location": device.location, "lat": None, "lng": None,
    }  # fmt: skip
    return stringly(row) if scenario.legacy_strings else row


def device_model(scenario: LibreNmsScenario, device: SimDevice, unreachable: dict[str, int]) -> dict[str, Any]:
    """``GET /devices/:hostname``'s row: the Eloquent model, boolean status and ISO ``Z`` times [C]."""
    row = device_row(scenario, device, unreachable)
    polled, ping = scenario.last_seen(device, unreachable)
    for key in ("dependency_parent_id", "dependency_parent_hostname", "location", "lat", "lng"):
        row.pop(key)
    row.update({
        "device_id": device.device_id, "status": not scenario.is_down(device.hostname),
        "inserted": iso_z(device.added_at),
        "last_polled": iso_z(polled), "last_ping": iso_z(ping), "ignore": int(device.ignore),
        "disabled": int(device.disabled), "location_id": 1 + device.device_id % 2,
        "last_discovered": iso_z(None if polled is None else polled - polled % 21_600),
    })  # fmt: skip
    return row


def outage_rows(scenario: LibreNmsScenario, hostname: str) -> list[dict[str, Any]]:
    """``outages`` of one device: epoch seconds, ``up_again`` null while down, newest first [D][S]."""
    spans = sorted(scenario.live.recorded.get(hostname, ()), key=lambda span: span.start, reverse=True)
    rows = [{"going_down": span.start, "up_again": span.end} for span in spans]
    return [stringly(row) for row in rows] if scenario.legacy_strings else rows


def event_row(scenario: LibreNmsScenario, event: EventRecord) -> dict[str, Any]:
    """One event log row, every value a string as in the documented example [D]."""
    device = scenario.topology.devices[event.device_id]
    return {
        "hostname": device.hostname, "sysName": device.sys_name, "event_id": str(event.event_id),
        "host": str(event.device_id), "device_id": str(event.device_id), "datetime": scenario.fmt(event.at),
        "message": event.message, "type": event.type,
        "reference": "NULL" if event.reference is None else str(event.reference), "username": "",
        "severity": str(event.severity),
    }  # fmt: skip


def alert_row(scenario: LibreNmsScenario, alert: AlertRecord) -> dict[str, Any]:
    """One alert as ``GET /alerts`` lists it (recorded fixture fields) [C]."""
    device = scenario.topology.devices[alert.device_id]
    name, severity = RULES[alert.rule_id]
    row: dict[str, Any] = {
        "hostname": device.hostname, "id": alert.id, "device_id": alert.device_id, "rule_id": alert.rule_id,
        "state": alert.state, "alerted": int(alert.state != 0), "open": int(alert.state == 1), "note": alert.note,
        "timestamp": scenario.fmt(alert.timestamp), "info": "", "severity": severity, "name": name, "proc": None,
        "notes": None,
    }  # fmt: skip
    return stringly(row) if scenario.legacy_strings else row


def link_row(scenario: LibreNmsScenario, link: SimLink) -> dict[str, Any]:
    """One LLDP/CDP neighbour [D]; an unmonitored neighbour has ``remote_device_id`` 0 or null [I]."""
    remote_id: int | None = link.remote_device_id
    if remote_id == 0 and link.id % 2:
        remote_id = None
    row: dict[str, Any] = {
        "id": link.id, "local_port_id": link.local_port_id, "local_device_id": link.local_device_id,
        "remote_port_id": link.remote_port_id or None, "active": 1, "protocol": link.protocol,
        "remote_hostname": link.remote_hostname, "remote_device_id": remote_id, "remote_port": link.remote_port,
        "remote_platform": link.remote_platform, "remote_version": None,
    }  # fmt: skip
    return stringly(row) if scenario.legacy_strings else row


def port_row(scenario: LibreNmsScenario, port: SimPort, columns: Iterable[str]) -> dict[str, Any]:
    """A port restricted to ``columns`` (already validated against ``PORT_COLUMNS``)."""
    busy = port.oper_up and port.port_id % 3 == 0
    full: dict[str, Any] = {
        "port_id": port.port_id, "device_id": port.device_id, "ifName": port.if_name, "ifDescr": port.if_name,
        "ifAlias": port.if_alias, "ifIndex": port.port_id % 1000, "ifOperStatus": "up" if port.oper_up else "down",
        "ifAdminStatus": "up" if port.admin_up else "down", "ifSpeed": port.if_speed,
        "ifInOctets_rate": 1_250_000 * (port.port_id % 7) if busy else 0,
        "ifOutOctets_rate": 310_000 * (port.port_id % 5) if busy else 0, "ifInErrors_rate": 0,
        "ignore": 0, "disabled": 0, "deleted": int(port.deleted),
        "poll_time": scenario.poll_before(scenario.topology.devices[port.device_id], scenario.now_epoch),
    }  # fmt: skip
    return {column: full[column] for column in columns}


def device_groups(scenario: LibreNmsScenario) -> list[tuple[dict[str, Any], list[int]]]:
    """(group row, member device ids): the network core, access switches (dynamic), one group per client."""
    devices = list(scenario.topology.devices.values())
    core = [d.device_id for d in devices if d.role in ("carrier", "core", "distribution")]
    access = [d.device_id for d in devices if d.hostname.startswith("acc-sw-")]
    groups: list[tuple[dict[str, Any], list[int]]] = [
        ({"id": 1, "name": "Core network", "desc": "Carrier uplinks, cores and distribution", "type": "static",
          "rules": None, "pattern": None}, core),
        ({"id": 2, "name": "Access switches", "desc": "Every acc-sw-*", "type": "dynamic", "rules": ACCESS_RULES,
          "pattern": None}, access),
    ]  # fmt: skip
    for index, client in enumerate(CLIENTS):
        members = [d.device_id for d in devices if d.client == client]
        if members:
            row = {"id": 3 + index, "name": f"Customer {client.upper()}", "desc": f"CPEs of {client}",
                   "type": "static", "rules": None, "pattern": None}  # fmt: skip
            groups.append((row, members))
    return groups


def service_rows(scenario: LibreNmsScenario) -> list[dict[str, Any]]:
    """Nagios-style checks: ping on uplinks and cores, an HTTPS check on every 10th CPE."""
    rows: list[dict[str, Any]] = []
    for device in scenario.topology.devices.values():
        if device.role in ("carrier", "core"):
            kind, name, param, status, message = "icmp", "ping", "", 0, "OK - rta 0.612ms, lost 0%"
        elif device.role == "cpe" and device.device_id % 10 == 0:
            kind, name, param = "http", "check https cert", "-C 30,14"
            status, message = {
                0: (2, "CRITICAL - Socket timeout after 10 seconds"),
                3: (1, "WARNING - Certificate 'portal' will expire in 12 days"),
            }.get(device.device_id % 7, (0, "HTTP OK: HTTP/1.1 200 OK - 5123 bytes in 0.182 second response time"))
            if not rows or all(r["service_type"] != "http" for r in rows):
                status, message = 3, "Service not yet checked"
        else:
            continue
        rows.append({
            "device_id": device.device_id,
            "service_changed": scenario.now_epoch - (device.device_id * 3_601) % (30 * 86_400),
            "service_desc": "", "service_disabled": 0, "service_ds": "{}", "service_id": len(rows) + 1,
            "service_ignore": 0, "service_ip": device.ip, "service_message": message, "service_name": name,
            "service_param": param, "service_status": status, "service_template_id": 0, "service_type": kind,
        })  # fmt: skip
    return rows
