"""Alembic environment: runs against the connection handed over by deskpulse.store.migrate."""

from __future__ import annotations

from alembic import context

from deskpulse.store import alerts_tables, auth_tables  # noqa: F401  (registers the tables on Base.metadata)
from deskpulse.store.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through `deskpulse` (deskpulse.store.migrate.upgrade)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
