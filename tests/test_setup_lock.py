"""Processes started together take turns to set up the store (PostgreSQL), instead of racing on migrations."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from deskpulse.store.db import Database
from deskpulse.store.migrate import exclusive_setup


def waiting_for_the_lock(db: Database) -> bool:
    with db.engine.connect() as conn:
        waiting = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
        return bool(waiting.scalar())


def test_a_second_process_waits_while_the_first_sets_up_the_store(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only: on SQLite the setup lock is a no-op (SQLite queues its writers itself)")
    other = Database(db.url)  # its own connections, as another process would have
    order: list[str] = []
    first_inside, second_waits = threading.Event(), threading.Event()

    def second() -> None:
        first_inside.wait(5)
        with exclusive_setup(other.engine):
            order.append("second in")

    thread = threading.Thread(target=second)
    thread.start()
    with exclusive_setup(db.engine):
        order.append("first in")
        first_inside.set()
        for _ in range(500):
            if waiting_for_the_lock(db):
                second_waits.set()
                break
            time.sleep(0.01)  # polling the server, not waiting out a duration
        order.append("first out")
    thread.join(10)
    other.dispose()
    assert second_waits.is_set(), "the second never waited for the lock"
    assert order == ["first in", "first out", "second in"]


def test_on_sqlite_the_setup_lock_lets_everyone_in(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    with exclusive_setup(db.engine), exclusive_setup(db.engine):
        pass
