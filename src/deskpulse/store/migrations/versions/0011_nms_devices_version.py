"""LibreNMS poll state counts device-list changes, so the uptime view rebuilds its device index only then.

Revision ID: 0011
Revises: 0010

An unreleased build added this column to 0010 itself; a database migrated by that build already has it, so the
column is added only where it is missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _has_column() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("nms_poll_state")
    return any(column["name"] == "devices_version" for column in columns)


def upgrade() -> None:
    if _has_column():
        return
    with op.batch_alter_table("nms_poll_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("devices_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("nms_poll_state", schema=None) as batch_op:
        batch_op.drop_column("devices_version")
