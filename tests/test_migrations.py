"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from deskpulse.store.db import Database
from deskpulse.store.migrate import is_current, upgrade
from deskpulse.store.tables import Base


def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    upgrade(db.engine)  # idempotent on an up-to-date store
    assert is_current(db.engine)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def _columns(db: Database, table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_a_store_at_0010_gains_the_device_version_column(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db.engine, "0010")
    assert "devices_version" not in _columns(db, "nms_poll_state")
    upgrade(db.engine)
    assert "devices_version" in _columns(db, "nms_poll_state")
    assert is_current(db.engine)


def test_a_store_whose_0010_already_had_the_column_upgrades_cleanly(tmp_path: Path) -> None:
    # An unreleased build put the column in 0010 itself: 0011 must not add it twice.
    db = Database(f"sqlite:///{tmp_path / 'early.db'}")
    upgrade(db.engine, "0010")
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE nms_poll_state ADD COLUMN devices_version INTEGER NOT NULL DEFAULT 0"))
    upgrade(db.engine)
    assert is_current(db.engine)
    assert "devices_version" in _columns(db, "nms_poll_state")
