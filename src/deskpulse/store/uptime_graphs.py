"""Dependency graph versions in the store: importing a file (clients matched to ``[[clients]]``), saving a
version, and the graph history the uptime figures are computed with.

A version is never edited. A change is a new row; the newest row of an effective date replaces the older ones
of that date, and a version without a date applies since always.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskpulse.store.tables import ClientRow
from deskpulse.store.uptime_tables import UptimeGraphRow
from deskpulse.uptime import GraphError, GraphFormat, GraphHistory, GraphVersion, detect_format, validate_version
from deskpulse.uptime.builder import GraphBuilder
from deskpulse.uptime.csv_format import parse_csv
from deskpulse.uptime.document import from_document, to_document
from deskpulse.uptime.yaml_format import parse_yaml


@dataclass(frozen=True, slots=True)
class ClientDirectory:
    """The clients of ``[[clients]]``: found by id or by name, case-insensitively."""

    keys: dict[str, str]  # lower-case id or name -> id
    names: dict[str, str]  # id -> name
    ids: dict[str, int]  # id -> store id (what a principal's client scope holds)

    @classmethod
    def load(cls, session: Session) -> ClientDirectory:
        """Every client in the store."""
        rows = list(session.scalars(select(ClientRow).order_by(ClientRow.key)))
        keys = {r.name.strip().lower(): r.key for r in rows}
        keys.update({r.key.lower(): r.key for r in rows})  # an id wins over another client's name
        return cls(keys, {r.key: r.name for r in rows}, {r.key: r.id for r in rows})

    def resolve(self, value: str) -> str | None:
        """The client id ``value`` names (an id or a name), or None."""
        return self.keys.get(value.strip().lower())

    def known(self) -> str:
        """The client ids for an error message."""
        return ", ".join(sorted(self.names)) or "none are configured"


def parse_graph(
    text: str,
    clients: ClientDirectory,
    *,
    filename: str | None = None,
    fmt: GraphFormat | None = None,
    default_tz: ZoneInfo | None = None,
    schedules: Collection[str] | None = None,
    effective_from: date | None = None,
) -> GraphVersion:
    """A validated version from a YAML or CSV file, services naming their client by id; GraphImportError lists
    every problem with its line, unknown clients included. ``effective_from`` overrides the file's date."""
    builder = GraphBuilder(default_tz=default_tz)
    text = text.lstrip("\ufeff")
    if (fmt or detect_format(text, filename)) == "csv":
        parse_csv(text, builder)
    else:
        parse_yaml(text, builder)
    for index, (service, line) in enumerate(builder.services):
        key = clients.resolve(service.client)
        if key is None:
            builder.problem(
                line,
                f"service {service.id} is for client {service.client!r}, which is not a client in [[clients]] "
                f"(by id or name; known ids: {clients.known()})",
            )
        else:
            builder.services[index] = (replace(service, client=key), line)
    if not builder.problems and not builder.device_lines and not builder.services:
        builder.problem(None, "the file defines no devices and no services")
    if effective_from is not None:
        builder.effective_from = effective_from
    return builder.build(schedules=schedules)


def current_rows(session: Session) -> list[UptimeGraphRow]:
    """The version in force for each effective date (the newest row of that date), oldest date first."""
    rows = session.scalars(select(UptimeGraphRow).order_by(UptimeGraphRow.id)).all()
    newest: dict[date | None, UptimeGraphRow] = {row.effective_from: row for row in rows}
    return sorted(newest.values(), key=lambda r: (r.effective_from is not None, r.effective_from or date.min))


def graph_key(session: Session) -> tuple[int, int]:
    """(rows, newest id): changes whenever a version is saved (a cache key)."""
    count, newest = session.execute(select(func.count(UptimeGraphRow.id), func.max(UptimeGraphRow.id))).one()
    return int(count or 0), int(newest or 0)


def load_history(session: Session, tz: ZoneInfo) -> GraphHistory:
    """The graph history from every version in force (an empty history when nothing was imported yet)."""
    return load_history_rows(session, tz)[0]


def load_history_rows(session: Session, tz: ZoneInfo) -> tuple[GraphHistory, tuple[tuple[date | None, int], ...]]:
    """The graph history and (effective date, row id) of each version in it."""
    rows = current_rows(session)
    history = GraphHistory([from_document(row.document) for row in rows], tz=tz)
    return history, tuple((row.effective_from, row.id) for row in rows)


def default_effective_date(session: Session, today: date) -> date | None:
    """The date of a version given without one: since always for the very first version, else today, so that
    a change never rewrites figures already reported."""
    return today if graph_key(session)[0] else None


def save_version(
    session: Session,
    version: GraphVersion,
    *,
    fmt: str,
    now: datetime,
    created_by: str | None,
    text: str | None = None,
    note: str | None = None,
) -> UptimeGraphRow:
    """Store ``version`` (validated by the caller) as a new row."""
    row = UptimeGraphRow(
        effective_from=version.effective_from, document=to_document(version), source_text=text, format=fmt,
        note=note, created_at=now, created_by=created_by,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def version_at(session: Session, tz: ZoneInfo, day: date) -> GraphVersion:
    """The version in force on local ``day`` (an empty version when there is none), to base an edit on."""
    found = GraphVersion()
    for row in current_rows(session):
        if row.effective_from is None or row.effective_from <= day:
            found = from_document(row.document)
    return replace_date(found, day)


def replace_date(version: GraphVersion, day: date | None) -> GraphVersion:
    """``version`` with another effective date."""
    return GraphVersion(day, version.devices, version.services, version.maintenance)


def check_version(version: GraphVersion, schedules: Collection[str] | None) -> None:
    """Raise GraphError with every problem of a version built through the API."""
    problems = validate_version(version, schedules=schedules)
    if problems:
        raise GraphError(problems)
