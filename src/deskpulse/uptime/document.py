"""A graph version as a plain document in the import shape (for storing as JSON) and back.

``to_document`` writes the YAML import shape with ISO times, so a stored version can be exported and imported
again as it is. ``from_document`` trusts its input (it was validated when it was imported) and builds the
version directly, which is much faster than parsing YAML for a graph of tens of thousands of devices.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from deskpulse.uptime.graph import Device, GraphVersion, MaintenanceWindow, ParentGroup, Role, Service


def to_document(version: GraphVersion) -> dict[str, Any]:
    """``{effective_from, devices, services, maintenance}`` with dates and times as ISO text."""
    devices: dict[str, Any] = {}
    for hostname, device in version.devices.items():
        entry: dict[str, Any] = {}
        if device.role is not None:
            entry["role"] = device.role.value
        if device.parents:
            entry["parents"] = [{"need": g.need, "of": list(g.of)} for g in device.parents]
        devices[hostname] = entry
    services = []
    for s in version.services:
        row: dict[str, Any] = {"id": s.id, "client": s.client, "name": s.name, "device": s.device, "slo": s.slo}
        if s.schedule is not None:
            row["schedule"] = s.schedule
        services.append(row)
    return {
        "effective_from": version.effective_from.isoformat() if version.effective_from else None,
        "devices": devices,
        "services": services,
        "maintenance": [
            {"device": w.device, "start": w.start.isoformat(), "end": w.end.isoformat()} for w in version.maintenance
        ],
    }


def from_document(doc: Mapping[str, Any]) -> GraphVersion:
    """The version ``to_document`` wrote (no validation: validate documents before storing them)."""
    devices = {
        hostname: Device(
            hostname,
            tuple(ParentGroup(int(g.get("need", 1)), tuple(g["of"])) for g in entry.get("parents", ())),
            Role(entry["role"]) if entry.get("role") else None,
        )
        for hostname, entry in dict(doc.get("devices") or {}).items()
    }
    services = tuple(
        Service(s["id"], s["client"], s["name"], s["device"], float(s["slo"]), s.get("schedule"))
        for s in doc.get("services") or ()
    )
    maintenance = tuple(
        MaintenanceWindow(w["device"], datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
        for w in doc.get("maintenance") or ()
    )
    effective = doc.get("effective_from")
    return GraphVersion(date.fromisoformat(effective) if effective else None, devices, services, maintenance)
