"""Closing the loop: opt-ins to action-plan updates, the notices sent, and each item's status changes

Revision ID: 0013_loop
Revises: 0012_cell_keys
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_loop"
down_revision = "0015_checkin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "update_preferences",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("action_updates", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "action_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_notices_person_at", "action_notices", ["participant_id", "queued_at"])
    op.create_table(
        "action_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_action_status_item", "action_status_changes", ["year", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_action_status_item", table_name="action_status_changes")
    op.drop_table("action_status_changes")
    op.drop_index("ix_action_notices_person_at", table_name="action_notices")
    op.drop_table("action_notices")
    op.drop_table("update_preferences")
