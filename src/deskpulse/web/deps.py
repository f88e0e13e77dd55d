"""Typed dependencies shared by every route: the store, the config, the selected sources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Query
from sqlalchemy import select

from deskpulse.store.tables import SourceRow
from deskpulse.web.auth import Reader
from deskpulse.web.store_deps import AppConfig, DbSession, get_config, get_db, get_session


@dataclass(frozen=True, slots=True)
class SourceSelection:
    """The sources a request reads, with their health, and the clients the caller may see (None: all)."""

    rows: list[SourceRow]
    client_ids: frozenset[int] | None = None
    internal: bool = True

    @property
    def ids(self) -> list[int]:
        """Database ids of the selected sources."""
        return [r.id for r in self.rows]

    @property
    def last_updated(self) -> datetime | None:
        """Oldest successful sync among the selection (the data is at least this fresh)."""
        stamps = [r.last_ok_at for r in self.rows]
        return None if not stamps or any(s is None for s in stamps) else min(s for s in stamps if s is not None)

    @property
    def stale(self) -> tuple[datetime | None, str | None]:
        """(stale since, reason) of the longest-stale selected source, or (None, None)."""
        stale = sorted((r for r in self.rows if r.stale_since is not None), key=lambda r: r.stale_since or 0)
        if not stale:
            return None, None
        row = stale[0]
        reason = row.last_error or "the last sync failed"
        return row.stale_since, (f"{row.name}: {reason}" if len(self.rows) > 1 else reason)


def select_sources(
    session: DbSession,
    config: AppConfig,
    principal: Reader,
    source: Annotated[str | None, Query(description="Name of one configured source; all sources when omitted")] = None,
) -> SourceSelection:
    """Resolve ``?source=``; 404 with the list of configured names when it names no source."""
    names = [s.name for s in config.ticket_sources]
    if source is not None and source not in names:
        known = ", ".join(names) or "none"
        raise HTTPException(status_code=404, detail=f"Unknown source {source!r}; configured sources: {known}.")
    wanted = [source] if source is not None else names
    rows = list(session.scalars(select(SourceRow).where(SourceRow.name.in_(wanted)).order_by(SourceRow.name)))
    return SourceSelection(rows, principal.client_ids, principal.can("tickets:internal"))


Sources = Annotated[SourceSelection, Depends(select_sources)]


__all__ = [
    "AppConfig",
    "DbSession",
    "SourceSelection",
    "Sources",
    "get_config",
    "get_db",
    "get_session",
    "select_sources",
]
