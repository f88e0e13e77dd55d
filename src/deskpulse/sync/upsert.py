"""Write one successful cycle's results in a single transaction: upsert, diff, snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from deskpulse.connectors.protocol import Directory
from deskpulse.domain.tickets import TRACKED_FIELDS, UNKNOWN_FIELDS_KEY, Ticket
from deskpulse.store.tables import AgentHoursRow, AgentRow, SnapshotRow, TeamRow, TicketChangeRow, TicketRow

# Ticket attributes stored one-to-one in TicketRow columns.
TICKET_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Ticket) if f.name != "extra")
_CHUNK = 2000


@dataclass(slots=True)
class UpsertStats:
    """What one cycle changed in the store."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    left_active: int = 0
    deleted: int = 0
    changes: int = 0
    # External ids of the tickets this write changed, per client id (None: no client); live events carry these.
    touched: dict[int | None, list[str]] = field(default_factory=dict)

    def touch(self, client_id: int | None, external_id: str) -> None:
        """Remember that ``external_id`` (of ``client_id``) changed."""
        self.touched.setdefault(client_id, []).append(external_id)


def _row_values(ticket: Ticket) -> dict[str, Any]:
    values = {name: getattr(ticket, name) for name in TICKET_COLUMNS}
    values["status_category"] = ticket.status_category.value
    values["priority"] = ticket.priority.value if ticket.priority else None
    return values


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)[:300]


def upsert_directory(session: Session, source_id: int, directory: Directory) -> None:
    """Insert new teams/agents and rename changed ones; never delete (old tickets still point at them)."""
    pairs: tuple[tuple[Any, list[Any]], ...] = ((TeamRow, directory.teams), (AgentRow, directory.agents))
    for table, items in pairs:
        existing = {row.external_id: row for row in session.scalars(select(table).where(table.source_id == source_id))}
        for item in items:
            row = existing.get(item.external_id)
            email = getattr(item, "email", None)
            if row is None:
                values: dict[str, Any] = {"source_id": source_id, "external_id": item.external_id, "name": item.name}
                if table is AgentRow:
                    values["email"] = email
                session.add(table(**values))
            else:
                row.name = item.name
                if isinstance(row, AgentRow):
                    row.email = email


def upsert_tickets(
    session: Session,
    source_id: int,
    *,
    now: datetime,
    seen: Iterable[Ticket],
    active_ids: set[str],
    deleted_ids: set[str],
    complete_active_set: bool,
    held_ids: Iterable[str] = (),
    client_of: Callable[[Ticket], int | None] = lambda _t: None,
) -> UpsertStats:
    """Upsert ``seen`` tickets and record field changes.

    ``active_ids`` is the source's active set as just listed. When ``complete_active_set`` is true (the whole
    open list was read without error), stored tickets that are no longer in it leave the active set; they are
    never deleted. ``deleted_ids`` are tickets the vendor no longer has at all. ``held_ids`` are tickets the
    source has but could not read this cycle (a malformed file): left exactly as they are.
    """
    stats = UpsertStats()
    incoming = {t.external_id: t for t in seen}
    cols = [TicketRow.id, TicketRow.external_id, TicketRow.is_active, TicketRow.deleted_at, TicketRow.client_id] + [
        getattr(TicketRow, c) for c in TICKET_COLUMNS if c != "external_id"
    ]
    stored: dict[str, Any] = {}
    active_stored = session.execute(
        select(*cols).where(TicketRow.source_id == source_id, TicketRow.is_active.is_(True))
    ).all()
    for r in active_stored:
        stored[r.external_id] = r
    missing = [i for i in incoming if i not in stored] + [i for i in deleted_ids if i not in stored]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        for r in session.execute(
            select(*cols).where(TicketRow.source_id == source_id, TicketRow.external_id.in_(chunk))
        ).all():
            stored[r.external_id] = r

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for ext_id, ticket in incoming.items():
        values = _row_values(ticket)
        values["is_active"] = ext_id in active_ids and ticket.status_category.is_active
        values["client_id"] = client_of(ticket)
        old = stored.get(ext_id)
        if old is not None:
            # Fields the vendor did not send this time keep their stored value (never blanked by a thin payload).
            for name in ticket.extra.get(UNKNOWN_FIELDS_KEY, "").split(","):
                if name in values and values[name] is None:
                    values[name] = getattr(old, name)
        if old is None:
            inserts.append(
                {**values, "source_id": source_id, "first_seen_at": now, "synced_at": now, "deleted_at": None}
            )
            stats.touch(values["client_id"], ext_id)
            continue
        differs = [c for c in (*TICKET_COLUMNS, "is_active", "client_id") if getattr(old, c) != values[c]]
        if old.deleted_at is not None:
            differs.append("deleted_at")
        if not differs:
            stats.unchanged += 1
            continue
        updates.append({**values, "id": old.id, "synced_at": now, "deleted_at": None})
        stats.touch(values["client_id"], ext_id)
        if old.client_id != values["client_id"]:
            stats.touch(old.client_id, ext_id)
        for name in TRACKED_FIELDS:
            if name in differs:
                changes.append(
                    {"ticket_id": old.id, "at": now, "field": name,
                     "old": _text(getattr(old, name)), "new": _text(values[name])}
                )  # fmt: skip

    for ext_id in deleted_ids:
        old = stored.get(ext_id)
        if old is not None and old.deleted_at is None:
            updates.append({"id": old.id, "is_active": False, "deleted_at": now, "synced_at": now})
            changes.append({"ticket_id": old.id, "at": now, "field": "deleted", "old": None, "new": "deleted"})
            stats.deleted += 1
            stats.touch(old.client_id, ext_id)

    if complete_active_set:
        handled = set(incoming) | deleted_ids | set(held_ids)
        for ext_id, old in stored.items():
            if old.is_active and ext_id not in handled:
                updates.append({"id": old.id, "is_active": False, "synced_at": now})
                changes.append({"ticket_id": old.id, "at": now, "field": "active", "old": "yes", "new": "no"})
                stats.left_active += 1
                stats.touch(old.client_id, ext_id)

    for start in range(0, len(inserts), _CHUNK):
        session.execute(insert(TicketRow), inserts[start : start + _CHUNK])
    if updates:
        session.execute(update(TicketRow), updates)
    if changes:
        session.execute(insert(TicketChangeRow), changes)
    stats.inserted = len(inserts)
    stats.updated = len(updates) - stats.deleted - stats.left_active
    stats.changes = len(changes)
    return stats


def write_snapshot(
    session: Session, source_id: int, *, at: datetime, day_start: datetime, client_ids: Iterable[int] = ()
) -> SnapshotRow:
    """Count the stored active set and today's closed tickets into one history point for the whole source,
    plus one point per client (so a client's own history never shows another client's tickets)."""
    unassigned = TicketRow.agent_external_id.is_(None)
    active = session.execute(
        select(TicketRow.client_id, unassigned, func.count())
        .where(TicketRow.source_id == source_id, TicketRow.is_active.is_(True))
        .group_by(TicketRow.client_id, unassigned)
    ).all()
    closed = dict(
        session.execute(
            select(TicketRow.client_id, func.count())
            .where(TicketRow.source_id == source_id, TicketRow.closed_at >= day_start, TicketRow.is_active.is_(False))
            .group_by(TicketRow.client_id)
        ).all()
    )
    per_client: dict[int | None, list[int]] = {cid: [0, 0, 0, 0] for cid in client_ids}
    whole = [0, 0, 0, sum(closed.values())]
    # "open" (new) = nobody assigned, "assigned" = an agent has it; the same split as the dashboard's.
    for cid, is_unassigned, n in active:
        for counts in (whole, per_client.setdefault(cid, [0, 0, 0, 0])):
            counts[0] += n if is_unassigned else 0
            counts[1] += 0 if is_unassigned else n
            counts[2] += n
    rows = []
    for cid, counts in [(None, whole), *((c, v) for c, v in per_client.items() if c is not None)]:
        if cid is not None:
            counts[3] = closed.get(cid, 0)
        rows.append(SnapshotRow(source_id=source_id, client_id=cid, at=at, open=counts[0], assigned=counts[1],
                                total=counts[2], closed_today=counts[3], partial=False))  # fmt: skip
    session.add_all(rows)
    return rows[0]


def replace_hours(session: Session, source_id: int, since: date, hours: dict[tuple[str, date], float]) -> None:
    """Replace the source's logged hours from ``since`` on with ``hours`` (per agent and UTC day)."""
    session.execute(delete(AgentHoursRow).where(AgentHoursRow.source_id == source_id, AgentHoursRow.day >= since))
    rows = [
        {"source_id": source_id, "agent_external_id": agent, "day": day, "hours": value}
        for (agent, day), value in sorted(hours.items())
        if day >= since
    ]
    if rows:
        session.execute(insert(AgentHoursRow), rows)
