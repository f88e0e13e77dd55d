"""The YAML graph format of issue 5, read node by node so that every problem names its line::

    effective_from: 2026-01-01          # optional; versions the whole file
    devices:
      cpe-acme-01: {parents: [{need: 1, of: [acc-sw-03]}]}
      core-01: {role: core}             # optional role: cpe, access, distribution, core, carrier
    services:
      - {id: acme-internet, client: ACME, name: Internet 100M, device: cpe-acme-01, slo: 99.9}
    maintenance:
      - {device: core-01, start: 2026-10-12T02:00:00+02:00, end: 2026-10-12T03:00:00+02:00}

A service may name a ``schedule`` (a business calendar); a group's ``need`` defaults to 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import yaml

from deskpulse.uptime.builder import GraphBuilder, as_date, as_datetime, as_need, as_role, as_slo
from deskpulse.uptime.graph import MaintenanceWindow, ParentGroup, Service

_TOP = {"effective_from", "devices", "services", "maintenance"}
_SERVICE_KEYS = {"id", "client", "name", "device", "slo", "schedule"}


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    """Turns composed YAML nodes into builder entries; scalars are resolved by PyYAML's safe rules."""

    def __init__(self, loader: yaml.SafeLoader, builder: GraphBuilder) -> None:
        self.loader, self.builder = loader, builder

    def scalar(self, node: yaml.Node) -> object:
        if not isinstance(node, yaml.ScalarNode):
            self.builder.problem(_line(node), "expected a single value here, not a list or a mapping")
            return None
        try:
            value: object = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:  # a timestamp-looking value that is no real date
            self.builder.problem(_line(node), f"value {node.value!r} cannot be read: {exc}")
            return None
        return value

    def text(self, node: yaml.Node, what: str) -> str | None:
        value = self.scalar(node)
        if value is None or isinstance(value, list | dict) or str(value).strip() == "":
            self.builder.problem(_line(node), f"{what} is empty")
            return None
        return str(value).strip()

    def pairs(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """The keys and values of a mapping node; repeated keys are problems (PyYAML would keep the last)."""
        if isinstance(node, yaml.ScalarNode) and self.scalar(node) is None:
            return  # an empty entry: `core-01:` with nothing after it
        if not isinstance(node, yaml.MappingNode):
            self.builder.problem(_line(node), f"{what} must be a mapping (key: value)")
            return
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(self.scalar(key_node))
            if key in seen:
                self.builder.problem(_line(key_node), f"{what} has {key} twice (first on line {seen[key]})")
                continue
            seen[key] = _line(key_node)
            yield key, key_node, value_node

    def items(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.ScalarNode) and self.scalar(node) is None:
            return []
        self.builder.problem(_line(node), f"{what} must be a list")
        return []


def parse_yaml(text: str, builder: GraphBuilder) -> None:
    """Add the file's entries to ``builder``; syntax errors and misplaced keys become problems."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = int(mark.line) + 1 if mark is not None else None
        builder.problem(line, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")
        return
    try:
        if root is None:
            builder.problem(None, "the file is empty")
            return
        reader = _Reader(loader, builder)
        sections: dict[str, Callable[[_Reader, yaml.Node], None]] = {
            "effective_from": _effective_from,
            "devices": _devices,
            "services": _services,
            "maintenance": _maintenance,
        }
        for key, key_node, value in reader.pairs(root, "the file"):
            if key not in _TOP:
                builder.problem(_line(key_node), f"unknown section {key}; expected one of {', '.join(sorted(_TOP))}")
            else:
                sections[key](reader, value)
    finally:
        loader.dispose()


def _effective_from(reader: _Reader, node: yaml.Node) -> None:
    value = reader.scalar(node)
    if value is not None:
        reader.builder.effective_from = as_date(value, reader.builder, _line(node), "effective_from")


def _devices(reader: _Reader, node: yaml.Node) -> None:
    for hostname, key_node, body in reader.pairs(node, "devices"):
        line = _line(key_node)
        role = None
        groups: list[yaml.Node] = []
        for key, field_node, value in reader.pairs(body, f"device {hostname}"):
            if key == "role":
                role = as_role(reader.scalar(value), reader.builder, _line(value))
            elif key == "parents":
                groups = reader.items(value, f"the parents of {hostname}")
            else:
                reader.builder.problem(_line(field_node), f"device {hostname} has unknown field {key}")
        reader.builder.device(hostname, line, role)
        for group in groups:
            _group(reader, hostname, group)


def _group(reader: _Reader, hostname: str, node: yaml.Node) -> None:
    need: int | None = 1
    members: list[str] = []
    for key, field_node, value in reader.pairs(node, f"a parent group of {hostname}"):
        if key == "need":
            need = as_need(reader.scalar(value), reader.builder, _line(value))
        elif key == "of":
            found = reader.items(value, "of") if not isinstance(value, yaml.ScalarNode) else [value]
            members = [m for m in (reader.text(n, "a parent hostname") for n in found) if m is not None]
        else:
            reader.builder.problem(_line(field_node), f"a parent group of {hostname} has unknown field {key}")
    if need is not None:
        reader.builder.group(hostname, ParentGroup(need, tuple(members)), _line(node))


def _services(reader: _Reader, node: yaml.Node) -> None:
    for item in reader.items(node, "services"):
        fields = {}
        for key, field_node, value in reader.pairs(item, "a service"):
            if key in _SERVICE_KEYS:
                fields[key] = value
            else:
                reader.builder.problem(_line(field_node), f"a service has unknown field {key}")
        line = _line(item)
        missing = [k for k in ("id", "client", "name", "device", "slo") if k not in fields]
        if missing:
            reader.builder.problem(line, f"a service needs {', '.join(missing)}")
            continue
        texts = {k: reader.text(fields[k], k) for k in ("id", "client", "name", "device")}
        slo = as_slo(reader.scalar(fields["slo"]), reader.builder, _line(fields["slo"]))
        schedule = reader.text(fields["schedule"], "schedule") if "schedule" in fields else None
        sid, client, name, device = texts["id"], texts["client"], texts["name"], texts["device"]
        if sid and client and name and device and slo is not None:
            reader.builder.service(Service(sid, client, name, device, slo, schedule), line)


def _maintenance(reader: _Reader, node: yaml.Node) -> None:
    for item in reader.items(node, "maintenance"):
        fields = {}
        for key, field_node, value in reader.pairs(item, "a maintenance window"):
            if key in {"device", "start", "end"}:
                fields[key] = value
            else:
                reader.builder.problem(_line(field_node), f"a maintenance window has unknown field {key}")
        line = _line(item)
        missing = [k for k in ("device", "start", "end") if k not in fields]
        if missing:
            reader.builder.problem(line, f"a maintenance window needs {', '.join(missing)}")
            continue
        device = reader.text(fields["device"], "device")
        start = as_datetime(reader.scalar(fields["start"]), reader.builder, _line(fields["start"]), "start")
        end = as_datetime(reader.scalar(fields["end"]), reader.builder, _line(fields["end"]), "end")
        if device and start and end:
            reader.builder.maintenance.append((MaintenanceWindow(device, start, end), line))
