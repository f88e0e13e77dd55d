"""Schema migrations (Alembic) applied from code, so `deskpulse serve` and tests need no alembic.ini."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SETUP_LOCK = 0x6465736B70756C73  # "deskpuls": the advisory lock id of start-up setup on PostgreSQL


@contextlib.contextmanager
def exclusive_setup(engine: Engine) -> Iterator[None]:
    """Processes started together (systemd, containers) take turns to migrate and register sources instead of
    racing on a fresh PostgreSQL database (session advisory lock); a no-op elsewhere (SQLite writers queue)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK})


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine, target: str = "head") -> None:
    """Bring the database schema to the newest revision, or to ``target`` (idempotent)."""
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def make_revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision against ``engine`` (developer tool)."""
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
