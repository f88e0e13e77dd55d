"""A files source through the sync cycle: held files keep their ticket, vanished files never delete one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from deskpulse.connectors.files import FilesConnector
from deskpulse.store.db import Database
from deskpulse.store.tables import AgentRow, SourceRow, TeamRow, TicketChangeRow, TicketRow
from deskpulse.sync.engine import SyncEngine
from files_support import files_source, ticket_doc, write
from support import Clock, config_for

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


def engine_for(db: Database, folder: Path, clock: Clock) -> tuple[SyncEngine, FilesConnector]:
    # Config.sources does not list the files kind yet; the engine takes the source's settings directly.
    settings, connector = files_source(folder)
    return SyncEngine(db, config_for(), settings, connector, clock=clock), connector


def ticket_row(db: Database, external_id: str) -> TicketRow:
    with db.session() as s:
        row = s.scalar(select(TicketRow).where(TicketRow.external_id == external_id))
        assert row is not None
        return row


def active_ids(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(TicketRow.external_id).where(TicketRow.is_active.is_(True))))


def source_row(db: Database) -> SourceRow:
    with db.session() as s:
        row = s.scalar(select(SourceRow))
        assert row is not None
        return row


async def test_a_files_cycle_stores_the_active_tickets_and_the_directory_they_name(
    db: Database, tmp_path: Path
) -> None:
    write(tmp_path, "1.json", ticket_doc(1, team={"id": "hw", "name": "Hardware"}, agent={"id": "a-1", "name": "Sam"}))
    write(tmp_path, "2.json", ticket_doc(2, status="waiting_on_customer"))
    write(tmp_path, "3.json", ticket_doc(3, status="closed", closed_at="2026-11-18T09:00:00Z"))
    engine, _ = engine_for(db, tmp_path, Clock(NOW))
    result = await engine.run_cycle()
    assert result.ok, result.error
    assert result.requests == 0
    assert active_ids(db) == ["1", "2"]
    with db.session() as s:
        assert [(t.external_id, t.name) for t in s.scalars(select(TeamRow))] == [("hw", "Hardware")]
        assert [(a.external_id, a.name) for a in s.scalars(select(AgentRow))] == [("a-1", "Sam")]
    row = source_row(db)
    assert row.kind == "files" and row.base_url == f"file://{tmp_path}" and row.warnings is None


async def test_a_ticket_whose_file_turns_malformed_stays_active_and_the_file_is_named_in_the_warnings(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    write(tmp_path, "1.json", ticket_doc(1, subject="Printer", priority="high"))
    write(tmp_path, "2.json", ticket_doc(2))
    engine, _ = engine_for(db, tmp_path, clock)
    assert (await engine.run_cycle()).ok

    write(tmp_path, "1.json", '{"id": 1, "subject": "Prin')  # caught while the writer is still at it
    clock.tick(minutes=1)
    result = await engine.run_cycle()
    assert result.ok, result.error
    assert active_ids(db) == ["1", "2"]
    row = ticket_row(db, "1")
    assert (row.subject, row.priority, row.deleted_at) == ("Printer", "high", None)
    warnings = source_row(db).warnings or ""
    assert "Ticket file 1.json skipped: invalid JSON at line 1 column" in warnings

    write(tmp_path, "1.json", ticket_doc(1, subject="Printer fixed", status="resolved"))
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok
    assert active_ids(db) == ["2"]
    assert source_row(db).warnings is None


async def test_a_vanished_file_makes_its_ticket_leave_the_active_set_without_deleting_it(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    write(tmp_path, "1.json", ticket_doc(1))
    write(tmp_path, "2.json", ticket_doc(2))
    engine, _ = engine_for(db, tmp_path, clock)
    assert (await engine.run_cycle()).ok
    write(tmp_path, "1.json", ticket_doc(1, status="on_hold"))
    clock.tick(minutes=1)
    assert (await engine.run_cycle()).ok

    (tmp_path / "1.json").unlink()
    clock.tick(minutes=1)
    result = await engine.run_cycle()
    assert result.ok, result.error
    assert result.stats.left_active == 1 and result.stats.deleted == 0
    row = ticket_row(db, "1")
    assert not row.is_active and row.deleted_at is None and row.status_category == "on_hold"
    with db.session() as s:
        history = sorted(s.scalars(select(TicketChangeRow.field).where(TicketChangeRow.ticket_id == row.id)))
    assert "status_category" in history and "active" in history and "deleted" not in history


async def test_a_ticket_closed_in_its_file_is_stored_as_closed_by_the_closed_sweep(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    write(tmp_path, "1.json", ticket_doc(1))
    engine, _ = engine_for(db, tmp_path, clock)
    assert (await engine.run_cycle()).ok
    clock.tick(minutes=1)
    write(tmp_path, "1.json", ticket_doc(1, status="closed", closed_at=clock.now.isoformat()))
    result = await engine.run_cycle()
    assert result.ok and result.swept_closed
    row = ticket_row(db, "1")
    assert (row.is_active, row.status_category, row.closed_at) == (False, "closed", clock.now)


async def test_unchanged_files_are_not_parsed_again_in_later_cycles(db: Database, tmp_path: Path) -> None:
    clock = Clock(NOW)
    for i in range(20):
        write(tmp_path, f"{i}.json", ticket_doc(i))
    engine, connector = engine_for(db, tmp_path, clock)
    assert (await engine.run_cycle()).ok
    assert connector.reader.parses == 20
    write(tmp_path, "7.json", ticket_doc(7, subject="Changed"))
    for _ in range(3):
        clock.tick(minutes=6)  # directory refresh and closed sweep included: they reuse the cycle's scan
        assert (await engine.run_cycle()).ok
    assert connector.reader.parses == 21
    assert ticket_row(db, "7").subject == "Changed"


async def test_a_missing_folder_fails_the_cycle_permanently_marks_the_source_stale_and_keeps_the_store(
    db: Database, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    folder = tmp_path / "tickets"
    write(folder, "1.json", ticket_doc(1))
    engine, _ = engine_for(db, folder, clock)
    assert (await engine.run_cycle()).ok

    (folder / "1.json").unlink()
    folder.rmdir()
    clock.tick(minutes=1)
    result = await engine.run_cycle()
    assert not result.ok and result.permanent
    assert result.error == f"folder {folder} does not exist; create it or correct the source's path"
    row = source_row(db)
    assert row.stale_since == clock.now and row.permanent_failure and row.last_error == result.error
    assert active_ids(db) == ["1"]
