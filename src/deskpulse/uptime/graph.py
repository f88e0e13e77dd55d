"""The dependency model of one graph version: devices with redundant parent groups, services, maintenance.

Devices are LibreNMS hostnames. A device named only as a parent (a core router, a carrier uplink) is an
implicit root: it exists, has no parents of its own, and may still be listed to give it a role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property
from typing import Literal


class Role(StrEnum):
    """Where a device sits in the network; decides how a failure of it is classified."""

    CPE = "cpe"
    ACCESS = "access"
    DISTRIBUTION = "distribution"
    CORE = "core"
    CARRIER = "carrier"


class Location(StrEnum):
    """Who owns a failing component: the customer's premises, our own network, or a carrier."""

    CUSTOMER_PREMISES = "customer_premises"
    OUR_NETWORK = "our_network"
    CARRIER = "carrier"


@dataclass(frozen=True, slots=True)
class ParentGroup:
    """A redundancy group: the child needs at least ``need`` of the devices ``of`` effectively up."""

    need: int
    of: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.need} of ({', '.join(self.of)})"


@dataclass(frozen=True, slots=True)
class Device:
    """A monitored device and the parent groups it depends on (all of them are required)."""

    hostname: str
    parents: tuple[ParentGroup, ...] = ()
    role: Role | None = None


@dataclass(frozen=True, slots=True)
class Service:
    """A service delivered to a client on one device; ``slo`` in percent, ``schedule`` names a calendar."""

    id: str
    client: str
    name: str
    device: str
    slo: float
    schedule: str | None = None


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Planned work on a device in ``[start, end)`` (aware datetimes)."""

    device: str
    start: datetime
    end: datetime


ProblemKind = Literal["device", "service", "maintenance", "graph"]


@dataclass(frozen=True, slots=True)
class GraphProblem:
    """One reason a graph is invalid, with the entry it is about (a hostname, a service id or an index)."""

    message: str
    kind: ProblemKind = "graph"
    key: str | int | None = None
    group: int | None = None  # for a parent-group problem: the group's index in the device's parents

    def __str__(self) -> str:
        return self.message


class GraphError(ValueError):
    """An invalid graph; ``problems`` lists every reason, the message joins them."""

    def __init__(self, problems: list[GraphProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in problems) or "invalid graph")


@dataclass(frozen=True)
class GraphVersion:
    """The whole dependency model as it stands from ``effective_from`` (a local date; None = always)."""

    effective_from: date | None = None
    devices: Mapping[str, Device] = field(default_factory=dict)
    services: tuple[Service, ...] = ()
    maintenance: tuple[MaintenanceWindow, ...] = ()

    def parents_of(self, hostname: str) -> tuple[ParentGroup, ...]:
        """The parent groups of a device; an implicit root has none."""
        device = self.devices.get(hostname)
        return device.parents if device is not None else ()

    @cached_property
    def hostnames(self) -> frozenset[str]:
        """Every device in the graph: the declared ones and those named only as parents."""
        named = {m for d in self.devices.values() for g in d.parents for m in g.of}
        return frozenset(self.devices) | named

    @cached_property
    def service_devices(self) -> frozenset[str]:
        """Hostnames that carry at least one service."""
        return frozenset(s.device for s in self.services)

    def role_of(self, hostname: str) -> Role | None:
        """The declared role; a service's device without one is taken as customer premises equipment."""
        device = self.devices.get(hostname)
        if device is not None and device.role is not None:
            return device.role
        return Role.CPE if hostname in self.service_devices else None

    def location_of(self, hostname: str) -> Location:
        """Customer premises for CPEs, carrier for carrier devices, our network for everything else."""
        role = self.role_of(hostname)
        if role is Role.CPE:
            return Location.CUSTOMER_PREMISES
        if role is Role.CARRIER:
            return Location.CARRIER
        return Location.OUR_NETWORK

    def service(self, service_id: str) -> Service | None:
        """The service with this id, or None."""
        return next((s for s in self.services if s.id == service_id), None)
