"""The simulated network behind the LibreNMS simulator: devices, their parents, ports and LLDP/CDP links.

Shape (hostnames as an operator would add them to LibreNMS)::

    upl-a-01  upl-b-01            carrier uplinks (two carriers; a core needs 1 of the 2)
         core-01  core-02         cores (a distribution switch needs 1 of the 2)
    dist-sw-01 … dist-sw-NN       distribution switches, in pairs
    acc-sw-01 … acc-sw-NN         access switches: even ones dual-homed to a pair (need 1 of 2),
                                  odd ones single-homed to the first switch of a pair
    cpe-<client>-NN               customer CPEs under one access switch (every 10th under two, need 1 of 2)

Everything is derived from a seeded ``random.Random``; the same seed builds the same network.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

# Role names match the uptime graph's roles; a carrier uplink is the "carrier" role there.
ROLE_CARRIER, ROLE_CORE, ROLE_DISTRIBUTION, ROLE_ACCESS, ROLE_CPE = "carrier", "core", "distribution", "access", "cpe"
ROLES: tuple[str, ...] = (ROLE_CARRIER, ROLE_CORE, ROLE_DISTRIBUTION, ROLE_ACCESS, ROLE_CPE)
CLIENTS: tuple[str, ...] = (
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "cyberdyne", "soylent",
)  # fmt: skip
DOMAIN = "net.example.nl"
# os, hardware, version, LibreNMS device type and icon per role (the CPE fleet mixes two vendors).
_PLATFORMS: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {
    ROLE_CARRIER: (("junos", "Juniper MX204", "21.4R3-S5", "network", "junos.svg"),),
    ROLE_CORE: (("iosxe", "Cisco ASR 1001-X", "17.9.4a", "network", "cisco.svg"),),
    ROLE_DISTRIBUTION: (("iosxe", "Cisco Catalyst C9500-24Y4C", "17.9.4a", "network", "cisco.svg"),),
    ROLE_ACCESS: (
        ("iosxe", "Cisco Catalyst C9300-24T", "17.6.5", "network", "cisco.svg"),
        ("arubaos-cx", "Aruba 6300M", "10.11.1010", "network", "aruba.svg"),
    ),
    ROLE_CPE: (
        ("routeros", "MikroTik RB5009UG+S+", "7.14.3", "network", "mikrotik.svg"),
        ("fortigate", "FortiGate 40F", "7.2.8", "firewall", "fortinet.svg"),
    ),
}


@dataclass(frozen=True, slots=True)
class ParentGroup:
    """A redundancy group: the child needs ``need`` of the devices in ``of`` to be up."""

    need: int
    of: tuple[str, ...]


@dataclass(slots=True)
class SimDevice:
    """One monitored device as the simulator keeps it (rendered to API rows elsewhere)."""

    device_id: int
    hostname: str
    sys_name: str
    role: str
    os: str
    hardware: str
    version: str
    type: str
    icon: str
    ip: str
    location: str
    client: str | None
    parents: tuple[ParentGroup, ...]
    added_at: int  # epoch seconds; LibreNMS's `inserted`
    poll_offset: int  # seconds after each 5-minute boundary at which this device is polled
    disabled: bool = False
    ignore: bool = False


@dataclass(slots=True)
class SimPort:
    """One interface; ``deleted`` ports are kept (soft delete) but left out of ``/ports``."""

    port_id: int
    device_id: int
    if_name: str
    if_alias: str
    if_speed: int
    oper_up: bool = True
    admin_up: bool = True
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class SimLink:
    """One LLDP/CDP adjacency as seen from the local device; ``remote_device_id`` 0 = not monitored."""

    id: int
    local_device_id: int
    local_port_id: int
    remote_device_id: int
    remote_port_id: int
    remote_hostname: str  # what the neighbour advertises (its sysName), not its LibreNMS hostname
    remote_port: str
    protocol: str
    remote_platform: str | None


@dataclass(slots=True)
class Topology:
    """Devices by id and hostname, their ports and links, and parent/child navigation."""

    devices: dict[int, SimDevice] = field(default_factory=dict)
    ports: dict[int, SimPort] = field(default_factory=dict)
    links: list[SimLink] = field(default_factory=list)
    by_host: dict[str, SimDevice] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def add(self, device: SimDevice) -> None:
        """Register ``device`` and index it under each of its parents."""
        self.devices[device.device_id] = device
        self.by_host[device.hostname] = device
        self.children.setdefault(device.hostname, [])
        for parent in parents_of(device):
            self.children.setdefault(parent, []).append(device.hostname)

    def ancestors(self, hostname: str) -> set[str]:
        """Every device above ``hostname`` through any parent group."""
        found: set[str] = set()
        stack = list(parents_of(self.by_host[hostname]))
        while stack:
            host = stack.pop()
            if host not in found:
                found.add(host)
                stack.extend(parents_of(self.by_host[host]))
        return found

    def descendants(self, hostname: str) -> set[str]:
        """Every device below ``hostname`` through any parent group."""
        found: set[str] = set()
        stack = list(self.children.get(hostname, ()))
        while stack:
            host = stack.pop()
            if host not in found:
                found.add(host)
                stack.extend(self.children.get(host, ()))
        return found

    def isolated_by(self, failed: Iterable[str]) -> set[str]:
        """Devices cut off when ``failed`` are down: some parent group has fewer than ``need`` members left."""
        down = set(failed)
        cut: set[str] = set()
        for device in self.devices.values():  # ids ascend top-down, so parents are decided before children
            if device.hostname in down:
                continue
            for group in device.parents:
                alive = sum(1 for host in group.of if host not in down and host not in cut)
                if alive < group.need:
                    cut.add(device.hostname)
                    break
        return cut


def parents_of(device: SimDevice) -> tuple[str, ...]:
    """All parent hostnames of ``device``, in group order, without repeats."""
    return tuple(dict.fromkeys(host for group in device.parents for host in group.of))


def build_topology(
    rng: random.Random, *, cpes: int, access: int, distribution: int, now: int, recent_cpes: int = 2
) -> Topology:
    """A seeded network, monitored since ``now`` - 400 days; the last ``recent_cpes`` CPEs were added 10 days ago."""
    if distribution < 2 or distribution % 2:
        raise ValueError("distribution switches come in pairs: give an even number >= 2")
    if access < 1 or cpes < 1:
        raise ValueError("at least one access switch and one CPE")
    topo = Topology()
    added_at = now - 400 * 86_400
    next_id = iter(range(1, 100_000))

    def add(hostname: str, role: str, parents: tuple[ParentGroup, ...], client: str | None = None) -> None:
        device_id = next(next_id)
        os_name, hardware, version, dev_type, icon = rng.choice(_PLATFORMS[role])
        site = ("Amsterdam DC1", "Rotterdam DC2")[device_id % 2] if role != ROLE_CPE else f"Customer site {client}"
        # MikroTik CPEs keep their factory identity, so several neighbours advertise the same sysName.
        sys_name = "MikroTik" if os_name == "routeros" else f"{hostname}.{DOMAIN}"
        topo.add(
            SimDevice(
                device_id=device_id, hostname=hostname, sys_name=sys_name, role=role, os=os_name,
                hardware=hardware, version=version, type=dev_type, icon=icon,
                ip=f"10.{ROLES.index(role)}.{device_id // 250}.{device_id % 250 + 1}", location=site, client=client,
                parents=parents, added_at=added_at, poll_offset=rng.randrange(0, 290),
            )
        )  # fmt: skip

    uplinks = ("upl-a-01", "upl-b-01")
    for host in uplinks:
        add(host, ROLE_CARRIER, ())
    cores = ("core-01", "core-02")
    for host in cores:
        add(host, ROLE_CORE, (ParentGroup(1, uplinks),))
    dists = [f"dist-sw-{n:02d}" for n in range(1, distribution + 1)]
    for host in dists:
        add(host, ROLE_DISTRIBUTION, (ParentGroup(1, cores),))
    pairs = [(dists[i], dists[i + 1]) for i in range(0, distribution, 2)]
    accs = [f"acc-sw-{n:02d}" for n in range(1, access + 1)]
    for index, host in enumerate(accs):
        pair = pairs[index % len(pairs)]
        add(host, ROLE_ACCESS, (ParentGroup(1, pair if index % 2 == 0 else pair[:1]),))
    counters: dict[str, int] = {}
    for index in range(cpes):
        client = CLIENTS[index % len(CLIENTS)]
        counters[client] = counters.get(client, 0) + 1
        home = accs[(index * 7) % len(accs)]
        of = (home, accs[(index * 7 + 1) % len(accs)]) if index % 10 == 9 and len(accs) > 1 else (home,)
        add(f"cpe-{client}-{counters[client]:02d}", ROLE_CPE, (ParentGroup(1, of),), client)
    for device in list(topo.devices.values())[-recent_cpes:] if recent_cpes else []:
        device.added_at = now - 10 * 86_400  # "device not yet added" for most of the history
    _wire(topo, rng)
    return topo


def _if_name(os_name: str, index: int) -> str:
    """An interface name in the platform's own style."""
    if os_name == "junos":
        return f"xe-0/0/{index}"
    if os_name == "iosxe":
        return f"TenGigabitEthernet1/1/{index + 1}"
    if os_name == "arubaos-cx":
        return f"1/1/{index + 1}"
    if os_name == "fortigate":
        return "wan1" if index == 0 else f"internal{index}"
    return f"ether{index + 1}"


def _wire(topo: Topology, rng: random.Random) -> None:
    """Ports for every parent/child adjacency (both ends), a spare port per device, and the LLDP/CDP links."""
    next_port = iter(range(1001, 10_000_000))
    used: dict[int, int] = {}
    link_id = iter(range(1, 10_000_000))

    def port(device: SimDevice, alias: str, speed: int = 10_000_000_000) -> SimPort:
        index = used.get(device.device_id, 0)
        used[device.device_id] = index + 1
        new = SimPort(next(next_port), device.device_id, _if_name(device.os, index), alias, speed)
        topo.ports[new.port_id] = new
        return new

    def link(local: SimDevice, lport: SimPort, remote: SimDevice | None, rport: SimPort | None, name: str) -> None:
        cisco = local.os == "iosxe" and (remote is not None and remote.os == "iosxe")
        topo.links.append(
            SimLink(
                id=next(link_id), local_device_id=local.device_id, local_port_id=lport.port_id,
                remote_device_id=remote.device_id if remote else 0, remote_port_id=rport.port_id if rport else 0,
                remote_hostname=name, remote_port=rport.if_name if rport else "ge-0/0/0",
                protocol="cdp" if cisco else "lldp", remote_platform=remote.hardware if remote else None,
            )
        )  # fmt: skip

    for device in list(topo.devices.values()):
        for parent_host in parents_of(device):
            parent = topo.by_host[parent_host]
            up = port(device, f"uplink {parent.hostname}")
            down = port(parent, f"downlink {device.hostname}", 1_000_000_000 if device.role == ROLE_CPE else 10**10)
            link(device, up, parent, down, parent.sys_name)
            link(parent, down, device, up, device.sys_name)
        if device.role == ROLE_CARRIER:
            carrier = port(device, "transit")
            link(device, carrier, None, None, f"ar1.ams.carrier-{device.hostname[4]}.example")
        if device.role == ROLE_CPE and rng.random() < 0.3:
            # The customer's own LAN switch answers LLDP but is not monitored by us.
            lan = port(device, "customer LAN", 1_000_000_000)
            link(device, lan, None, None, "customer-lan-sw")
        spare = port(device, "", 1_000_000_000)
        spare.oper_up, spare.admin_up = False, False
        if rng.random() < 0.05:
            spare.deleted = True
