"""Telling a store outage (server gone, disk full) from a bug, and saying it in a sentence.

A database that stops or restarts, or a disk that fills up, is something an operator fixes; the processes keep
running, answer 503 and try again, instead of crashing or answering 500 as for a bug.
"""

from __future__ import annotations

import errno
import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# PostgreSQL: class 08 (connection exception) and the server shutting down or starting (57P01..57P03).
_PG_GONE = ("08", "57P01", "57P02", "57P03")
_SQLITE_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_SQLITE_GONE = ("SQLITE_CANTOPEN", "SQLITE_IOERR")  # SQLITE_IOERR_WRITE and its kin too


def store_outage(exc: BaseException) -> str | None:
    """What went wrong, as the start of a sentence ("The database cannot be reached (…)"), when ``exc`` means
    the store is unreachable, full or busy and trying again later is the cure; None for anything else."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "The disk is full"
    if isinstance(exc, PoolTimeout):  # every pooled connection stayed in use until the pool's timeout
        return "The database is busy (no free connection)"
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)
    name = str(getattr(orig, "sqlite_errorname", "") or "")
    if name == "SQLITE_FULL" or state == "53100":  # 53100: disk_full on PostgreSQL
        return "The disk where the database keeps its files is full"
    if name in _SQLITE_BUSY:
        return "The database is busy"
    gone = exc.connection_invalidated or name.startswith(_SQLITE_GONE)
    if isinstance(state, str):
        gone = gone or state.startswith(_PG_GONE)
    elif type(orig).__module__.startswith("psycopg"):  # "connection failed": refused before any SQL state
        gone = gone or type(orig).__name__ in {"OperationalError", "InterfaceError"}
    if not gone:
        return None
    return f"The database cannot be reached ({_first_line(orig)})"


def _first_line(orig: BaseException | None) -> str:
    text = str(orig or "").strip().splitlines()
    return text[0].strip().rstrip(".") if text else "no answer"


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log that ``what`` failed: one warning line when the store is away (no traceback, it is no bug and it
    repeats until the store is back), the full traceback for anything else."""
    outage = store_outage(exc)
    if outage is not None:
        logger.warning("%s: %s", what, outage)
    else:
        logger.error("%s", what, exc_info=exc)
