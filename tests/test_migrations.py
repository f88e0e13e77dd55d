"""The migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from deskpulse.store.db import Database
from deskpulse.store.migrate import is_current, upgrade
from deskpulse.store.tables import Base


def test_the_migrated_schema_matches_the_table_definitions(db: Database) -> None:
    upgrade(db.engine)  # idempotent on an up-to-date store
    assert is_current(db.engine)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []
