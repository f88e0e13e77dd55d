"""Tickets keep the latest agent and requester reply times and the ticket type (for the agents' board).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import deskpulse.store.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in ("agent_responded_at", "requester_responded_at"):
            batch_op.add_column(sa.Column(name, deskpulse.store.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ticket_type", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in ("ticket_type", "requester_responded_at", "agent_responded_at"):
            batch_op.drop_column(name)
