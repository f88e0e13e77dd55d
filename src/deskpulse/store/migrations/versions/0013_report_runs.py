"""Report runs and sends.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from deskpulse.store.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_runs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=40), nullable=False),
        sa.Column("period_key", sa.String(length=40), nullable=False),
        sa.Column("period_start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", UTCDateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("schedule_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("generated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("html", sa.LargeBinary(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("eml", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("details_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_report_runs_client", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_key"),
    )
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.create_index("ix_report_runs_client_period", ["client_id", "period_key", "created_at"], unique=False)
        batch_op.create_index("ix_report_runs_status", ["status", "created_at"], unique=False)
    op.create_table(
        "report_sends",
        sa.Column("id", _ID, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("internal_copy", sa.String(length=320), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["report_runs.id"], name="fk_report_sends_run", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_sends", schema=None) as batch_op:
        batch_op.create_index("ix_report_sends_run", ["run_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_report_sends_run")
    op.drop_table("report_sends")
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_report_runs_status")
        batch_op.drop_index("ix_report_runs_client_period")
    op.drop_table("report_runs")
