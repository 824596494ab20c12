"""The web dashboard: one-time login links and sessions (hashes of their secrets only)

Revision ID: 0017_dashboard
Revises: 0016_loop
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_dashboard"
down_revision = "0017_durable"
branch_labels = None
depends_on = None


def _who() -> list:
    return [sa.Column("role", sa.String(length=16), nullable=False),
            sa.Column("participant_id", sa.Integer(), nullable=True),
            sa.Column("identity", sa.String(length=160), nullable=True),
            sa.Column("lang", sa.String(length=8), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "dashboard_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        *_who(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_dashboard_links_participant_id", "dashboard_links", ["participant_id"])
    op.create_index("ix_dashboard_links_identity", "dashboard_links", ["identity"])
    op.create_table(
        "dashboard_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        *_who(),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_dashboard_sessions_participant_id", "dashboard_sessions", ["participant_id"])


def downgrade() -> None:
    op.drop_table("dashboard_sessions")
    op.drop_table("dashboard_links")
