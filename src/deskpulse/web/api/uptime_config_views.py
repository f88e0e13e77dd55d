"""JSON rows of the uptime configuration: stored graph versions and services with the path they run over."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskpulse.store.uptime_graphs import ClientDirectory, current_rows
from deskpulse.store.uptime_tables import UptimeGraphRow
from deskpulse.uptime import GraphVersion

MAX_PATH = 200  # devices listed per service path (a path is a handful of devices; this bounds a bad graph)


def graph_rows(session: Session) -> list[dict[str, Any]]:
    """Every stored version, newest first, with its counts and whether it is the one in force for its date."""
    in_force = {row.id for row in current_rows(session)}
    rows = session.scalars(select(UptimeGraphRow).order_by(UptimeGraphRow.id.desc()))
    return [
        {
            "id": row.id, "effective_from": row.effective_from, "format": row.format, "note": row.note,
            "created_at": row.created_at, "created_by": row.created_by, "in_force": row.id in in_force,
            "devices": len(row.document.get("devices") or {}), "services": len(row.document.get("services") or []),
            "maintenance": len(row.document.get("maintenance") or []),
        }
        for row in rows
    ]  # fmt: skip


def path_of(version: GraphVersion, hostname: str) -> list[dict[str, Any]]:
    """The device and every ancestor (breadth first), each with its role and parent groups."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    queue = [hostname]
    while queue and len(found) < MAX_PATH:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        groups = version.parents_of(current)
        role = version.role_of(current)
        found.append({"device": current, "role": role.value if role else None,
                      "parents": [{"need": g.need, "of": list(g.of)} for g in groups]})  # fmt: skip
        queue.extend(m for g in groups for m in g.of)
    return found


def service_config_rows(
    version: GraphVersion, clients: ClientDirectory, only: str | None = None
) -> list[dict[str, Any]]:
    """The version's services (or only one), with client name and path."""
    return [
        {
            "id": s.id, "client": s.client, "client_name": clients.names.get(s.client, s.client), "name": s.name,
            "device": s.device, "slo": s.slo, "schedule": s.schedule, "path": path_of(version, s.device),
        }
        for s in version.services
        if only is None or s.id == only
    ]  # fmt: skip
