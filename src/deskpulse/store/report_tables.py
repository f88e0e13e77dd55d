"""Tables of the client reports: one row per report run (its figures and outputs) and one per send.

A run belongs to one client and one period and holds everything that was built for it, so a download is
always that run's own bytes. Scheduled runs carry ``schedule_key`` (client, period, "scheduled"), unique, so
several workers reaching the schedule at once create one run between them.

The source data reports read beyond the ticket itself (migration 0012) is further down: time logged on
tickets, customer satisfaction answers, Autotask SLA results, the per-ticket fetch state of those details, and
the vendor accounts (Freshservice departments/companies, Autotask companies) clients are mapped to. Details are
fetched once per ticket and kept; ``ticket_details_state`` remembers when and for which version of the ticket
(its ``updated_at``), so a ticket is fetched again only after it changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from deskpulse.store.tables import Base, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


class ReportRunRow(Base):
    """One report of one client for one period: queued -> running -> done | failed."""

    __tablename__ = "report_runs"
    __table_args__ = (
        Index("ix_report_runs_client_period", "client_id", "period_key", "created_at"),
        Index("ix_report_runs_status", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE", name="fk_report_runs_client"))
    client_key: Mapped[str] = mapped_column(String(40))
    period_key: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10))
    # "<client>|<period>|scheduled" for runs the schedule started; NULL for runs started by hand.
    schedule_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(320))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    html: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    eml: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    # What the reader should know about the outputs: missing vendor details, PDF or charts not available.
    details_note: Mapped[str | None] = mapped_column(Text)


class ReportSendRow(Base):
    """One delivery of a run by e-mail: recipients, Message-ID and what the SMTP server said."""

    __tablename__ = "report_sends"
    __table_args__ = (Index("ix_report_sends_run", "run_id", "created_at"),)
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("report_runs.id", ondelete="CASCADE", name="fk_report_sends_run"))
    to: Mapped[list[str]] = mapped_column(JSON)
    cc: Mapped[list[str]] = mapped_column(JSON)
    internal_copy: Mapped[str | None] = mapped_column(String(320))
    message_id: Mapped[str | None] = mapped_column(String(255))
    # sent, failed
    result: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(320))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ----------------------------------------------------------------------------------------------------------------
# Report source data (migration 0012, deskpulse.sync.report_details writes these)

_TICKET_FK = "tickets.id"
_SOURCE_FK = "sources.id"
NOTE_MAX_CHARS = 2000


class TicketTimeEntryRow(Base):
    """Work logged on a ticket (Freshservice time entry, Autotask TimeEntry)."""

    __tablename__ = "ticket_time_entries"
    __table_args__ = (
        Unique("source_id", "external_id", name="uq_ticket_time_entries_external"),
        Index("ix_ticket_time_entries_ticket", "ticket_id"),
        Index("ix_ticket_time_entries_executed", "source_id", "executed_at"),
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey(_TICKET_FK, ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    agent_external_id: Mapped[str | None] = mapped_column(String(64))
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the work was done, not when it was logged
    hours: Mapped[float] = mapped_column(Float)
    billable: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)  # cut to NOTE_MAX_CHARS


class TicketCsatRow(Base):
    """The requester's satisfaction answer for a ticket; ``rating`` is normalised to 1..5."""

    __tablename__ = "ticket_csat"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey(_TICKET_FK, ondelete="CASCADE"), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    raw_rating: Mapped[str] = mapped_column(String(64))  # the vendor's own value, before normalisation
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketDetailsStateRow(Base):
    """When a ticket's details were last fetched, and for which version of the ticket."""

    __tablename__ = "ticket_details_state"
    ticket_id: Mapped[int] = mapped_column(ForeignKey(_TICKET_FK, ondelete="CASCADE"), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The ticket's updated_at when fetched: the details are fetched again only if the ticket changed since.
    ticket_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Public agent replies (first-contact resolution); NULL where the vendor does not tell.
    conversations: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)  # why the last fetch of this ticket failed; NULL if it worked


class SlaResultRow(Base):
    """Autotask's own verdict on a ticket's SLA (ServiceLevelAgreementResults); NULL where it has none yet."""

    __tablename__ = "sla_results"
    ticket_id: Mapped[int] = mapped_column(ForeignKey(_TICKET_FK, ondelete="CASCADE"), primary_key=True)
    first_response_met: Mapped[bool | None] = mapped_column(Boolean)
    resolution_met: Mapped[bool | None] = mapped_column(Boolean)
    resolution_plan_met: Mapped[bool | None] = mapped_column(Boolean)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VendorAccountRow(Base):
    """A customer account as a vendor knows it (Freshservice department/company, Autotask company)."""

    __tablename__ = "vendor_accounts"
    __table_args__ = (Unique("source_id", "kind", "external_id", name="uq_vendor_accounts_external"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey(_SOURCE_FK, ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "department", "company": as in ClientConfig.accounts
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
