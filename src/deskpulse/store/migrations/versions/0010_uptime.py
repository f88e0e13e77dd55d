"""Uptime: LibreNMS devices, outages, poller-silent periods, poll state, graph versions, link suggestions, and a
bounded log per source.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from deskpulse.store.tables import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _source_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "uptime_graph_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_uptime_graph_effective", "uptime_graph_versions", ["effective_from", "id"])
    op.create_table(
        "nms_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("sys_name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("librenms_up", sa.Boolean(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("last_polled", UTCDateTime(timezone=True), nullable=True),
        sa.Column("role_hint", sa.String(length=20), nullable=True),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("ignored", sa.Boolean(), nullable=False),
        sa.Column("added_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", UTCDateTime(timezone=True), nullable=True),
        _source_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "hostname", name="uq_nms_devices_host"),
    )
    op.create_table(
        "nms_outages",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", UTCDateTime(timezone=True), nullable=True),
        _source_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "hostname", "start", name="uq_nms_outages_start"),
    )
    op.create_index("ix_nms_outages_start", "nms_outages", ["source_id", "start"])
    op.create_index("ix_nms_outages_end", "nms_outages", ["source_id", "end"])
    op.create_table(
        "nms_poll_state",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("outage_state", sa.JSON(), nullable=True),
        sa.Column("links_polled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("last_poll_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_poll_seconds", sa.Float(), nullable=True),
        sa.Column("last_poll_calls", sa.Integer(), nullable=True),
        sa.Column("throttle_waits", sa.Integer(), nullable=False),
        sa.Column("throttle_wait_seconds", sa.Float(), nullable=False),
        sa.Column("devices", sa.Integer(), nullable=False),
        sa.Column("outages_read", sa.Integer(), nullable=False),
        _source_fk(),
        sa.PrimaryKeyConstraint("source_id"),
    )
    op.create_table(
        "nms_unknown",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        _source_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_nms_unknown_source", "nms_unknown", ["source_id", "start"])
    op.create_table(
        "source_log",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _source_fk(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_source_log_source", "source_log", ["source_id", "id"])
    op.create_table(
        "uptime_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("child", sa.String(length=255), nullable=False),
        sa.Column("parent", sa.String(length=255), nullable=False),
        sa.Column("protocol", sa.String(length=20), nullable=False),
        sa.Column("child_port", sa.String(length=100), nullable=True),
        sa.Column("parent_port", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        _source_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "child", "parent", name="uq_uptime_suggestions_pair"),
    )


def downgrade() -> None:
    op.drop_table("uptime_suggestions")
    op.drop_index("ix_source_log_source", table_name="source_log")
    op.drop_table("source_log")
    op.drop_index("ix_nms_unknown_source", table_name="nms_unknown")
    op.drop_table("nms_unknown")
    op.drop_table("nms_poll_state")
    op.drop_index("ix_nms_outages_end", table_name="nms_outages")
    op.drop_index("ix_nms_outages_start", table_name="nms_outages")
    op.drop_table("nms_outages")
    op.drop_table("nms_devices")
    op.drop_index("ix_uptime_graph_effective", table_name="uptime_graph_versions")
    op.drop_table("uptime_graph_versions")
