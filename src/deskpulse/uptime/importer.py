"""Import a graph version from YAML or CSV; every problem is reported at once, with its line number.

The YAML shape is the one of issue 5 (``effective_from``, ``devices``, ``services``, ``maintenance``); the
CSV flattens it to one row per device, parent group, service or maintenance window (see ``csv_format``).
Times need a UTC offset unless ``default_tz`` is given for offset-less ones.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import PurePath
from typing import Literal
from zoneinfo import ZoneInfo

from deskpulse.uptime.builder import GraphBuilder, GraphImportError, ImportProblem
from deskpulse.uptime.csv_format import CSV_COLUMNS, parse_csv
from deskpulse.uptime.graph import GraphVersion
from deskpulse.uptime.yaml_format import parse_yaml

__all__ = ["CSV_COLUMNS", "GraphFormat", "GraphImportError", "ImportProblem", "detect_format", "load_graph"]

GraphFormat = Literal["yaml", "csv"]


def detect_format(text: str, filename: str | None = None) -> GraphFormat:
    """By the file name's suffix when given, otherwise CSV when the first line has a ``kind`` column."""
    if filename is not None:
        suffix = PurePath(filename).suffix.lower()
        if suffix in {".yaml", ".yml"}:
            return "yaml"
        if suffix == ".csv":
            return "csv"
    first = text.lstrip("\ufeff").lstrip().split("\n", 1)[0]
    cells = {cell.strip().strip('"').lower() for cell in re.split(r"[,;\t]", first)}
    return "csv" if "kind" in cells else "yaml"


def load_graph(
    text: str,
    *,
    fmt: GraphFormat | None = None,
    filename: str | None = None,
    default_tz: str | ZoneInfo | None = None,
    inventory: Collection[str] | None = None,
    schedules: Collection[str] | None = None,
) -> GraphVersion:
    """Parse and validate a graph file; raises GraphImportError listing every problem with its line.

    ``inventory`` (known hostnames) and ``schedules`` (calendar names) enable those checks when given.
    """
    zone = ZoneInfo(default_tz) if isinstance(default_tz, str) else default_tz
    builder = GraphBuilder(default_tz=zone)
    text = text.lstrip("\ufeff")
    if (fmt or detect_format(text, filename)) == "csv":
        parse_csv(text, builder)
    else:
        parse_yaml(text, builder)
    return builder.build(inventory=inventory, schedules=schedules)
