"""Covering index for the dashboard aggregates.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ["source_id", "is_active", "status_category", "team_external_id", "agent_external_id", "created_at"]


def upgrade() -> None:
    op.create_index("ix_tickets_board", "tickets", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_tickets_board", table_name="tickets")
