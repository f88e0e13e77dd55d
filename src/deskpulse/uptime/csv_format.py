"""The CSV graph format: the YAML format flattened for spreadsheets, one row per entry.

Columns (any order; a header row is required, unused columns may be left out or empty):

============== ==================================================================================
kind           ``device``, ``parents``, ``service`` or ``maintenance`` (rows starting with ``#`` skip)
device         the LibreNMS hostname the row is about (for a service: the device it runs on)
role           optional on device and parents rows: cpe, access, distribution, core, carrier
need           parents: how many of ``of`` must be up (empty = 1)
of             parents: the parent hostnames, separated by spaces, commas, semicolons or ``|``
service_id     service: a unique id
client         service: the client (as tickets name it)
name           service: the service's name
slo            service: the objective in percent (``99.9``, ``99.9%`` or ``99,9``)
schedule       service: optional business calendar name
start, end     maintenance: ISO 8601 times with a UTC offset, e.g. ``2026-10-12T02:00:00+02:00``
effective_from optional date the whole file takes effect; every filled-in value must be the same
============== ==================================================================================

A device with several redundancy groups has one ``parents`` row per group; a ``device`` row is only
needed to give a device a role or to declare a device without parents. Comma, semicolon and tab
separated files are all read (spreadsheets in many European locales save with semicolons), and a
UTF-8 byte order mark is ignored. Line numbers in problems are the file's lines; the header is line 1.
"""

from __future__ import annotations

import csv
import io
import re

from deskpulse.uptime.builder import GraphBuilder, as_date, as_datetime, as_need, as_role, as_slo
from deskpulse.uptime.graph import MaintenanceWindow, ParentGroup, Service

CSV_COLUMNS = (
    "kind",
    "device",
    "role",
    "need",
    "of",
    "service_id",
    "client",
    "name",
    "slo",
    "schedule",
    "start",
    "end",
    "effective_from",
)
_USED = {
    "device": {"device", "role"},
    "parents": {"device", "role", "need", "of"},
    "service": {"device", "service_id", "client", "name", "slo", "schedule"},
    "maintenance": {"device", "start", "end"},
}
_REQUIRED = {
    "device": ("device",),
    "parents": ("device", "of"),
    "service": ("service_id", "client", "name", "device", "slo"),
    "maintenance": ("device", "start", "end"),
}
_SEPARATORS = re.compile(r"[\s,;|]+")


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def parse_csv(text: str, builder: GraphBuilder) -> None:
    """Add the rows' entries to ``builder``; unknown columns, kinds and misplaced values become problems."""
    header = text.lstrip().split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(header))
    columns: list[str] | None = None
    effective: tuple[str, int] | None = None
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if columns is None:
            columns = [cell.strip().lower() for cell in row]
            unknown = [c for c in columns if c not in CSV_COLUMNS]
            if unknown:
                builder.problem(line, f"unknown column {', '.join(unknown)}; the columns are {', '.join(CSV_COLUMNS)}")
            if "kind" not in columns:
                builder.problem(line, "the header needs a kind column")
                return
            continue
        if len(row) > len(columns):
            builder.problem(line, f"the row has {len(row)} cells but the header has {len(columns)} columns")
        cells = {c: v.strip() for c, v in zip(columns, row, strict=False) if c in CSV_COLUMNS}
        if cells.get("kind", "").startswith("#"):
            continue
        date_text = cells.get("effective_from", "")
        if date_text:
            if effective is None:
                effective = (date_text, line)
                builder.effective_from = as_date(date_text, builder, line, "effective_from")
            elif date_text != effective[0]:
                builder.problem(line, f"effective_from {date_text} differs from {effective[0]} on line {effective[1]}")
        _row(cells, builder, line)


def _row(cells: dict[str, str], builder: GraphBuilder, line: int) -> None:
    kind = cells.get("kind", "").lower()
    if kind == "parent":
        kind = "parents"
    if kind not in _USED:
        builder.problem(line, f"kind {kind or '(empty)'} is not one of {', '.join(_USED)}")
        return
    stray = [c for c, v in cells.items() if v and c not in _USED[kind] | {"kind", "effective_from"}]
    if stray:
        builder.problem(line, f"a {kind} row does not use column {', '.join(stray)}")
    missing = [c for c in _REQUIRED[kind] if not cells.get(c)]
    if missing:
        builder.problem(line, f"a {kind} row needs {', '.join(missing)}")
        return
    device = cells["device"]
    if kind == "device":
        builder.device(device, line, as_role(cells.get("role"), builder, line))
    elif kind == "parents":
        role = as_role(cells.get("role"), builder, line)
        need = as_need(cells.get("need"), builder, line)
        members = tuple(m for m in _SEPARATORS.split(cells["of"]) if m)
        builder.device(device, line, role)
        if need is not None:
            builder.group(device, ParentGroup(need, members), line)
    elif kind == "service":
        slo = as_slo(cells["slo"], builder, line)
        if slo is not None:
            service = Service(
                cells["service_id"], cells["client"], cells["name"], device, slo, cells.get("schedule") or None
            )
            builder.service(service, line)
    else:
        start = as_datetime(cells["start"], builder, line, "start")
        end = as_datetime(cells["end"], builder, line, "end")
        if start is not None and end is not None:
            builder.maintenance.append((MaintenanceWindow(device, start, end), line))
