"""A database that cannot be reached (restarting, stopped) or a full disk is an outage, not a bug: the API answers
503 with a sentence and a Retry-After, never a 500; a real bug still answers 500. The PostgreSQL restart drill
(tests/drills/test_postgres_restart.py) shows the same with a real server going away under running processes."""

from __future__ import annotations

import errno
import sqlite3

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.store.outage import store_outage
from deskpulse.web.app import create_app
from drill_support import free_port
from support import api_key_for, source_config


def test_the_api_answers_503_with_a_sentence_while_the_database_cannot_be_reached(db: Database) -> None:
    app = create_app(Config(database_url="sqlite://", sources=[source_config("desk")]), db=db)
    key = {"X-API-Key": api_key_for(db, "admin")}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health", headers=key).status_code == 200
        # A PostgreSQL address nobody answers on: every request's session fails to connect, as while it restarts.
        gone = app.state.db = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/deskpulse")
        try:
            plain = client.get("/health", headers=key)
            enveloped = client.get("/api/dashboard/alerts", headers=key)
        finally:
            app.state.db = db
            gone.dispose()
        assert client.get("/health", headers=key).status_code == 200  # back as soon as the database is
    assert plain.status_code == 503 and plain.headers["Retry-After"] == "5"
    detail = plain.json()["detail"]
    assert detail.startswith("The database cannot be reached (connection failed") and "refused" in detail
    assert detail.endswith("Try again in a moment.")
    assert enveloped.status_code == 503
    assert enveloped.json()["success"] is False and "The database cannot be reached" in enveloped.text


def test_a_missing_table_is_a_bug_not_an_outage(db: Database) -> None:
    try:
        with db.session() as session:
            session.execute(text("SELECT * FROM no_such_table"))
    except Exception as exc:  # the driver's own error, wrapped by SQLAlchemy
        assert store_outage(exc) is None
    else:
        raise AssertionError("the query should have failed")


def test_a_full_disk_is_told_as_such() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"  # the driver sets it on a real one
    assert store_outage(OperationalError("COMMIT", {}, full)) == "The disk where the database keeps its files is full"
    assert store_outage(OSError(errno.ENOSPC, "No space left on device")) == "The disk is full"
    assert store_outage(OSError(errno.EACCES, "Permission denied")) is None
