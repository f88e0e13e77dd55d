"""Tables of service uptime: what the LibreNMS poller saw, the dependency graph versions, link suggestions, and
a bounded log per source (ticket sources too) for the integration status page.

Outages are stored as LibreNMS recorded them, one row per (source, hostname, start); an open outage has no
end. Unknown rows are the periods in which LibreNMS's own poller was silent (no device polled lately). Graph
versions are never edited: a change is a new row, and the newest row of an effective date wins, so a month's
figures can always be recomputed as they were.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from deskpulse.store.tables import Base, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")
_SOURCE_FK = "sources.id"


class NmsDeviceRow(Base):
    """A device of a monitoring source, as of the last poll that listed it."""

    __tablename__ = "nms_devices"
    __table_args__ = (Unique("source_id", "hostname", name="uq_nms_devices_host"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    hostname: Mapped[str] = mapped_column(String(255))
    device_id: Mapped[int | None] = mapped_column(Integer)
    sys_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10))  # up / down / unknown, as the connector reads it
    librenms_up: Mapped[bool | None] = mapped_column(Boolean)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    last_polled: Mapped[datetime | None] = mapped_column(UTCDateTime)
    role_hint: Mapped[str | None] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    ignored: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # LibreNMS's `inserted`
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the first poll that listed it
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # gone from LibreNMS since

    @property
    def monitored_since(self) -> datetime:
        """From when monitoring has data: when LibreNMS added the device, else when deskpulse first saw it."""
        return self.added_at if self.added_at is not None else self.first_seen_at


class NmsOutageRow(Base):
    """One recorded outage; ``end`` NULL while the device is still down."""

    __tablename__ = "nms_outages"
    __table_args__ = (
        Unique("source_id", "hostname", "start", name="uq_nms_outages_start"),
        Index("ix_nms_outages_start", "source_id", "start"),
        # Outages overlapping a period are those still open or ending after its start: few, for a recent period.
        Index("ix_nms_outages_end", "source_id", "end"),
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    hostname: Mapped[str] = mapped_column(String(255))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NmsUnknownRow(Base):
    """A period without monitoring data for every device of the source (LibreNMS's poller was silent)."""

    __tablename__ = "nms_unknown"
    __table_args__ = (Index("ix_nms_unknown_source", "source_id", "start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)  # NULL while still silent
    reason: Mapped[str] = mapped_column(String(200))


class NmsPollStateRow(Base):
    """Per monitoring source: the connector's incremental state, a data version with what each change touched,
    and the figures of the last poll."""

    __tablename__ = "nms_poll_state"
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"), primary_key=True)
    outage_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # OutageSyncState.to_json()
    links_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data_version: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped when a device appears, vanishes or gets another ``added_at`` (what monitoring reads of devices).
    devices_version: Mapped[int] = mapped_column(Integer, default=0)
    # [[version, earliest instant the change touched (ISO) or null], ...] for the last polls that changed data.
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_poll_seconds: Mapped[float | None] = mapped_column(Float)
    last_poll_calls: Mapped[int | None] = mapped_column(Integer)
    throttle_waits: Mapped[int] = mapped_column(Integer, default=0)
    throttle_wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    devices: Mapped[int] = mapped_column(Integer, default=0)
    outages_read: Mapped[int] = mapped_column(Integer, default=0)


class SourceLogRow(Base):
    """One line of a source's log (poll results and errors); the newest 200 per source are kept."""

    __tablename__ = "source_log"
    __table_args__ = (Index("ix_source_log_source", "source_id", "id"),)
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[str] = mapped_column(String(10))  # info / warning / error
    message: Mapped[str] = mapped_column(Text)


class UptimeGraphRow(Base):
    """One imported or edited dependency graph version (never changed afterwards)."""

    __tablename__ = "uptime_graph_versions"
    __table_args__ = (Index("ix_uptime_graph_effective", "effective_from", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date | None] = mapped_column(Date)  # NULL: since always
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the graph in the import shape, clients by id
    source_text: Mapped[str | None] = mapped_column(Text)  # the file as imported (None for API edits)
    format: Mapped[str] = mapped_column(String(10))  # yaml / csv / api
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(320))


class UptimeSuggestionRow(Base):
    """An LLDP/CDP neighbour offered as a device's parent; a person accepts or ignores it."""

    __tablename__ = "uptime_suggestions"
    __table_args__ = (Unique("source_id", "child", "parent", name="uq_uptime_suggestions_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    child: Mapped[str] = mapped_column(String(255))
    parent: Mapped[str] = mapped_column(String(255))
    protocol: Mapped[str] = mapped_column(String(20))
    child_port: Mapped[str | None] = mapped_column(String(100))
    parent_port: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(10), default="open")  # open / accepted / ignored
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(320))
