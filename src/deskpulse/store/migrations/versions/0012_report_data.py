"""Report source data (ticket categories, time entries, CSAT, vendor companies).

Revision ID: 0012
Revises: 0011

Tickets gain their vendor category and the vendor account they are raised for; new tables keep the per-ticket
details monthly reports need (time entries, CSAT answers, Autotask SLA results, when they were fetched) and
the vendors' customer accounts (Freshservice departments/companies, Autotask companies).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from deskpulse.store.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("account_ref", sa.String(length=80), nullable=True))

    op.create_table(
        "ticket_time_entries",
        sa.Column("id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("agent_external_id", sa.String(length=64), nullable=True),
        sa.Column("executed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "external_id", name="uq_ticket_time_entries_external"),
    )
    with op.batch_alter_table("ticket_time_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_time_entries_ticket", ["ticket_id"], unique=False)
        batch_op.create_index("ix_ticket_time_entries_executed", ["source_id", "executed_at"], unique=False)

    op.create_table(
        "ticket_csat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("raw_rating", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )

    op.create_table(
        "ticket_details_state",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("fetched_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ticket_updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("conversations", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )

    op.create_table(
        "sla_results",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("first_response_met", sa.Boolean(), nullable=True),
        sa.Column("resolution_met", sa.Boolean(), nullable=True),
        sa.Column("resolution_plan_met", sa.Boolean(), nullable=True),
        sa.Column("fetched_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id"),
    )

    op.create_table(
        "vendor_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("refreshed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "kind", "external_id", name="uq_vendor_accounts_external"),
    )


def downgrade() -> None:
    op.drop_table("vendor_accounts")
    op.drop_table("sla_results")
    op.drop_table("ticket_details_state")
    op.drop_table("ticket_csat")
    with op.batch_alter_table("ticket_time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_time_entries_executed")
        batch_op.drop_index("ix_ticket_time_entries_ticket")
    op.drop_table("ticket_time_entries")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("account_ref")
        batch_op.drop_column("category")
