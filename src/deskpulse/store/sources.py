"""Source rows: registration and health bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deskpulse.config import AnySource
from deskpulse.store.tables import SourceRow


def ensure_source(session: Session, cfg: AnySource) -> SourceRow:
    """The row for ``cfg.name``, created (or its kind/base URL refreshed) as needed."""
    # An Autotask source without base_url finds its zone at start: record where it looks.
    base_url = cfg.base_url if cfg.base_url is not None else str(getattr(cfg, "zone_lookup_url", ""))
    row = session.scalar(select(SourceRow).where(SourceRow.name == cfg.name))
    if row is None:
        row = SourceRow(name=cfg.name, kind=cfg.kind, base_url=base_url, permanent_failure=False)
        session.add(row)
        session.flush()
    else:
        row.kind, row.base_url = cfg.kind, base_url
    return row


def mark_failed(session: Session, source_id: int, *, at: datetime, reason: str, permanent: bool) -> None:
    """Record a failed cycle: the source is stale since its first failure, with the newest reason."""
    row = session.get(SourceRow, source_id)
    if row is None:
        return
    row.last_attempt_at = at
    row.last_error = reason
    row.last_error_at = at
    row.permanent_failure = permanent
    if row.stale_since is None:
        row.stale_since = at


def try_lease(
    session: Session, source_id: int, owner: str, *, now: datetime, until: datetime, due_only: bool = False
) -> bool:
    """Claim the source for one cycle (compare-and-set); False when another live worker holds it.

    With ``due_only`` the claim also fails while the source's shared ``next_run_at`` lies in the future, so
    several processes together poll a source once per interval, not once each.
    """
    stmt = (
        update(SourceRow)
        .where(SourceRow.id == source_id)
        .where(
            (SourceRow.lease_owner.is_(None)) | (SourceRow.lease_expires_at < now) | (SourceRow.lease_owner == owner)
        )
    )
    if due_only:
        stmt = stmt.where((SourceRow.next_run_at.is_(None)) | (SourceRow.next_run_at <= now))
    result = session.execute(stmt.values(lease_owner=owner, lease_expires_at=until))
    return bool(getattr(result, "rowcount", 0) == 1)


def release_lease(session: Session, source_id: int, owner: str) -> None:
    """Give the lease back (only if we still hold it)."""
    session.execute(
        update(SourceRow)
        .where(SourceRow.id == source_id, SourceRow.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )


def bump_data_version(session: Session, source_id: int) -> None:
    """Record that tickets of ``source_id`` were written (in the caller's transaction)."""
    session.execute(update(SourceRow).where(SourceRow.id == source_id).values(data_version=SourceRow.data_version + 1))
