"""A bounded log per source: what each poll or sync cycle did, for the integration status page.

Each source keeps its newest ``KEEP`` lines; older ones are deleted in the transaction that adds a line, so
the table never grows beyond ``KEEP`` lines per source.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from deskpulse.store.uptime_tables import SourceLogRow

KEEP = 200
MAX_MESSAGE = 2000


def add_line(session: Session, source_id: int, at: datetime, message: str, level: str = "info") -> None:
    """Append one line and drop the source's lines beyond the newest ``KEEP``."""
    session.add(SourceLogRow(source_id=source_id, at=at, level=level, message=message[:MAX_MESSAGE]))
    session.flush()
    cutoff = session.scalar(
        select(SourceLogRow.id)
        .where(SourceLogRow.source_id == source_id)
        .order_by(SourceLogRow.id.desc())
        .offset(KEEP)
        .limit(1)
    )
    if cutoff is not None:
        session.execute(delete(SourceLogRow).where(SourceLogRow.source_id == source_id, SourceLogRow.id <= cutoff))


def lines(session: Session, source_id: int, limit: int = KEEP) -> list[SourceLogRow]:
    """The newest lines of a source, newest first."""
    return list(
        session.scalars(
            select(SourceLogRow)
            .where(SourceLogRow.source_id == source_id)
            .order_by(SourceLogRow.id.desc())
            .limit(limit)
        )
    )


def recent_errors(session: Session, source_id: int, limit: int = 5) -> list[SourceLogRow]:
    """The newest error lines of a source, newest first."""
    return list(
        session.scalars(
            select(SourceLogRow)
            .where(SourceLogRow.source_id == source_id, SourceLogRow.level == "error")
            .order_by(SourceLogRow.id.desc())
            .limit(limit)
        )
    )
