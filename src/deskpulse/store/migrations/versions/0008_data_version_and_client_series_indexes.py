"""Sources count their ticket writes (cache keys); per-client history series get their own indexes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_snapshots_source_client_at", "snapshots", ["source_id", "client_id", "at"])
    op.create_index("ix_snapshot_hours_source_client_hour", "snapshot_hours", ["source_id", "client_id", "hour"])


def downgrade() -> None:
    op.drop_index("ix_snapshot_hours_source_client_hour", table_name="snapshot_hours")
    op.drop_index("ix_snapshots_source_client_at", table_name="snapshots")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("data_version")
