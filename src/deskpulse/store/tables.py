"""SQLAlchemy tables of the normalized store. Timestamps are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (no zone support) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; convert to UTC first")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: store them naive and uniform so ordering stays correct.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class SourceRow(Base):
    """A configured vendor source and its sync health."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    base_url: Mapped[str] = mapped_column(String(500))
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    permanent_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    last_cycle_seconds: Mapped[float | None] = mapped_column(Float)
    last_cycle_requests: Mapped[int | None] = mapped_column(Integer)
    budget_limit: Mapped[int | None] = mapped_column(Integer)
    budget_remaining: Mapped[int | None] = mapped_column(Integer)
    schedule_note: Mapped[str | None] = mapped_column(Text)
    # Problems that did not stop the last cycle (unknown status codes, unreadable files), one per line.
    warnings: Mapped[str | None] = mapped_column(Text)
    # Bumped by every write of this source's tickets (sync cycle, webhook refresh, write-back): cached views in
    # every process key on it, so none shows figures older than the store.
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    directory_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_swept_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last cycle that read the whole active set (incremental sources reconcile on a slower cadence).
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lease so that several worker processes never poll the same source at once (compare-and-set).
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TeamRow(Base):
    """A team / group / queue of one source."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("source_id", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))


class AgentRow(Base):
    """A person who works tickets."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("source_id", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))


class AgentHoursRow(Base):
    """Hours an agent logged on one UTC day (from the vendor's time entries, where it has them)."""

    __tablename__ = "agent_hours"
    __table_args__ = (UniqueConstraint("source_id", "agent_external_id", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    agent_external_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)


class ClientRow(Base):
    """A customer of the desk (from the config's [[clients]]); tickets, users and keys are scoped to it."""

    __tablename__ = "clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class TicketRow(Base):
    """A normalized ticket. ``is_active`` says whether it is in the source's current open set."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id"),
        Index("ix_tickets_active", "source_id", "is_active", "status_category"),
        # Covers every dashboard aggregate, so counting 100k open tickets never touches the table itself.
        Index(
            "ix_tickets_board",
            "source_id",
            "is_active",
            "status_category",
            "team_external_id",
            "agent_external_id",
            "created_at",
        ),
        Index("ix_tickets_closed_at", "source_id", "closed_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status_raw: Mapped[str] = mapped_column(String(64))
    status_label: Mapped[str] = mapped_column(String(100))
    status_category: Mapped[str] = mapped_column(String(32))
    priority_raw: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(64))
    team_external_id: Mapped[str | None] = mapped_column(String(64))
    agent_external_id: Mapped[str | None] = mapped_column(String(64))
    requester_external_id: Mapped[str | None] = mapped_column(String(64))
    requester_name: Mapped[str | None] = mapped_column(String(300))
    requester_email: Mapped[str | None] = mapped_column(String(320))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL", name="fk_tickets_client"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agent_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requester_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_type: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(100))
    # The vendor account the ticket is raised for ("department:12", "company:29683"); attributes it to a client.
    account_ref: Mapped[str | None] = mapped_column(String(80))
    url: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the sync last wrote this row (unchanged tickets are not rewritten every cycle).
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketChangeRow(Base):
    """An observed change of one tracked field of a ticket."""

    __tablename__ = "ticket_changes"
    __table_args__ = (Index("ix_ticket_changes_ticket", "ticket_id", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(String(300))
    new: Mapped[str | None] = mapped_column(String(300))


class SnapshotRow(Base):
    """One raw history point written by a successful sync cycle."""

    __tablename__ = "snapshots"
    __table_args__ = (
        Index("ix_snapshots_source_at", "source_id", "at"),
        # Per-client series (scoped callers, per-client backlog) read by (source, client, time).
        Index("ix_snapshots_source_client_at", "source_id", "client_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    # NULL: the whole source. Otherwise the counts of one client's tickets (what that client may see).
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE", name="fk_snapshots_client")
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    open: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    closed_today: Mapped[int] = mapped_column(Integer)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)


class SnapshotHourRow(Base):
    """Hourly rollup of snapshots, kept for two years after raw points expire."""

    __tablename__ = "snapshot_hours"
    __table_args__ = (
        Index("ix_snapshot_hours_source_hour", "source_id", "hour"),
        Index("ix_snapshot_hours_source_client_hour", "source_id", "client_id", "hour"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE", name="fk_snapshot_hours_client")
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    open: Mapped[int] = mapped_column(Integer)
    assigned: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    closed_today: Mapped[int] = mapped_column(Integer)
