"""Shared fixtures: a store (SQLite by default, PostgreSQL with DESKPULSE_TEST_DATABASE_URL) and simulators."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from deskpulse.store.db import Database
from deskpulse.store.migrate import upgrade
from support import empty_store

TEST_DB_URL = os.environ.get("DESKPULSE_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def _engine_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = TEST_DB_URL or f"sqlite:///{Path(tmp_path_factory.mktemp('db')) / 'test.db'}"
    db = Database(url)
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def db(_engine_db: Database) -> Iterator[Database]:
    """An empty, migrated store; emptied again after the test."""
    yield _engine_db
    empty_store(_engine_db)
