"""Edits of a graph version, each returning a new version (versions are values; the caller dates and stores it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from deskpulse.uptime.graph import Device, GraphVersion, ParentGroup, Service


def _with(version: GraphVersion, *, devices: Mapping[str, Device] | None = None,
          services: Sequence[Service] | None = None) -> GraphVersion:  # fmt: skip
    return GraphVersion(
        version.effective_from,
        dict(version.devices if devices is None else devices),
        tuple(version.services if services is None else services),
        version.maintenance,
    )


def dated(version: GraphVersion, day: date | None) -> GraphVersion:
    """The same graph effective from ``day``."""
    return GraphVersion(day, version.devices, version.services, version.maintenance)


def put_service(
    version: GraphVersion, service: Service, parents: Mapping[str, Sequence[ParentGroup]] | None = None
) -> GraphVersion:
    """Add ``service`` or replace the one with its id; ``parents`` (hostname -> groups) sets those devices'
    parent groups, so a service and the path it runs over can be defined in one change."""
    devices = dict(version.devices)
    for hostname, groups in (parents or {}).items():
        role = devices[hostname].role if hostname in devices else None
        devices[hostname] = Device(hostname, tuple(groups), role)
    if service.device not in devices and service.device not in version.hostnames:
        devices[service.device] = Device(service.device)
    services = [s for s in version.services if s.id != service.id]
    kept = next((i for i, s in enumerate(version.services) if s.id == service.id), len(services))
    services.insert(kept, service)
    return _with(version, devices=devices, services=services)


def drop_service(version: GraphVersion, service_id: str) -> GraphVersion:
    """The version without the service ``service_id`` (its devices stay in the graph)."""
    return _with(version, services=[s for s in version.services if s.id != service_id])


def add_parent(version: GraphVersion, child: str, parent: str) -> GraphVersion:
    """``parent`` added above ``child``: into the child's only parent group (another way up, the group's
    ``need`` unchanged), or as a new group ``1 of (parent)`` when the child has none or several."""
    devices = dict(version.devices)
    current = devices.get(child, Device(child))
    groups = list(current.parents)
    if any(parent in g.of for g in groups):
        return version
    if len(groups) == 1:
        groups[0] = ParentGroup(groups[0].need, (*groups[0].of, parent))
    else:
        groups.append(ParentGroup(1, (parent,)))
    devices[child] = Device(child, tuple(groups), current.role)
    return _with(version, devices=devices)


def has_parent(version: GraphVersion, child: str, parent: str) -> bool:
    """True when ``parent`` is already in one of ``child``'s parent groups."""
    return any(parent in g.of for g in version.parents_of(child))
