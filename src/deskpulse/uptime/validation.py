"""Checks that make a graph version safe to compute with, each failure phrased as a sentence.

Without an inventory, a device named only as a parent is an implicit root; with one (the hostnames the
monitoring system knows), every hostname the graph mentions must be in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from deskpulse.uptime.graph import GraphProblem, GraphVersion, ParentGroup


def validate_version(
    version: GraphVersion, *, inventory: Collection[str] | None = None, schedules: Collection[str] | None = None
) -> list[GraphProblem]:
    """Every problem of ``version``: groups, cycles, services and maintenance windows (empty when valid).

    ``schedules`` are the calendar names a service may reference; None skips that check.
    """
    problems = _group_problems(version, inventory)
    problems += _cycle_problems(version)
    problems += _service_problems(version, inventory, schedules)
    problems += _maintenance_problems(version)
    return problems


def _group_problems(version: GraphVersion, inventory: Collection[str] | None) -> list[GraphProblem]:
    problems: list[GraphProblem] = []
    for hostname, device in version.devices.items():
        found: list[tuple[str, int | None]] = []
        if not hostname.strip():
            found.append(("a device has an empty hostname", None))
        if device.hostname != hostname:
            found.append((f"device {hostname} is stored under the hostname {device.hostname}", None))
        if inventory is not None and hostname not in inventory:
            found.append((f"device {hostname} is not a device the monitoring system knows", None))
        for index, group in enumerate(device.parents):
            found += [(message, index) for message in _one_group(hostname, index, group, inventory)]
        problems += [GraphProblem(message, "device", hostname, group) for message, group in found]
    return problems


def _one_group(hostname: str, index: int, group: ParentGroup, inventory: Collection[str] | None) -> list[str]:
    where = f"device {hostname}, parent group {index + 1}"
    found: list[str] = []
    if group.need < 1:
        found.append(f"{where} needs {group.need} devices up; need must be at least 1")
    if group.need > len(group.of):
        found.append(
            f"{where} needs {group.need} of {len(group.of)} devices ({', '.join(group.of) or 'none'}); "
            "need cannot exceed the number of devices"
        )
    for member, count in Counter(group.of).items():
        if count > 1:
            found.append(f"{where} lists {member} {count} times")
        if not member.strip():
            found.append(f"{where} has an empty hostname")
        elif member == hostname:
            found.append(f"device {hostname} lists itself as a parent: a device cannot be its own ancestor")
        elif inventory is not None and member not in inventory:
            found.append(f"device {hostname} has parent {member}, which is not a device the monitoring system knows")
    return found


def _cycle_problems(version: GraphVersion) -> list[GraphProblem]:
    """One problem per cycle, e.g. ``a -> b -> a``, found by an iterative depth-first search."""
    problems: list[GraphProblem] = []
    seen_cycles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in sorted(version.devices):
        if root in state:
            continue
        path: list[str] = [root]
        stack = [iter(sorted({m for g in version.parents_of(root) for m in g.of}))]
        state[root] = 1
        while stack:
            parent = next(stack[-1], None)
            if parent is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(parent) == 1:
                cycle = path[path.index(parent) :]
                turn = cycle.index(min(cycle))
                canonical = tuple(cycle[turn:] + cycle[:turn])
                if len(canonical) > 1 and canonical not in seen_cycles:  # self-parents are reported per group
                    seen_cycles.add(canonical)
                    chain = " -> ".join((*canonical, canonical[0]))
                    problems.append(
                        GraphProblem(
                            f"devices depend on each other in a cycle ({chain}, each arrow points to a parent): "
                            "a device cannot be its own ancestor",
                            "device",
                            canonical[0],
                        )
                    )
            elif parent not in state:
                state[parent] = 1
                path.append(parent)
                stack.append(iter(sorted({m for g in version.parents_of(parent) for m in g.of})))
    return problems


def _service_problems(
    version: GraphVersion, inventory: Collection[str] | None, schedules: Collection[str] | None
) -> list[GraphProblem]:
    problems: list[GraphProblem] = []
    counts = Counter(s.id for s in version.services)
    for service_id, count in counts.items():
        if count > 1:
            problems.append(GraphProblem(f"service id {service_id} is used {count} times", "service", service_id))
    for service in version.services:
        found: list[str] = []
        if not service.id.strip():
            found.append("a service has an empty id")
        if service.device not in version.hostnames:
            found.append(f"service {service.id} runs on {service.device}, which is not a device in the graph")
        elif inventory is not None and service.device not in inventory:
            found.append(
                f"service {service.id} runs on {service.device}, which is not a device the monitoring system knows"
            )
        if not 0 < service.slo <= 100:
            found.append(f"service {service.id} has SLO {service.slo:g}%; an SLO must be above 0 and at most 100")
        if schedules is not None and service.schedule is not None and service.schedule not in schedules:
            found.append(f"service {service.id} uses schedule {service.schedule}, which is not a known calendar")
        problems += [GraphProblem(message, "service", service.id) for message in found]
    return problems


def _maintenance_problems(version: GraphVersion) -> list[GraphProblem]:
    problems: list[GraphProblem] = []
    for index, window in enumerate(version.maintenance):
        found: list[str] = []
        what = f"maintenance window {index + 1} ({window.device})"
        if window.device not in version.hostnames:
            found.append(f"{what} is for a device that is not in the graph")
        aware = all(t.tzinfo is not None and t.utcoffset() is not None for t in (window.start, window.end))
        if not aware:
            found.append(f"{what} needs times with a UTC offset")
        elif window.end <= window.start:
            found.append(f"{what} ends at {window.end.isoformat()}, not after its start {window.start.isoformat()}")
        problems += [GraphProblem(message, "maintenance", index) for message in found]
    return problems
