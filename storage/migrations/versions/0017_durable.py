"""pending_replies: replies decided and not yet sent, stored with what they answer (durable replies)

Revision ID: 0013_durable
Revises: 0013_report
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_durable"
down_revision = "0016_loop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_replies_participant_id", "pending_replies", ["participant_id"])
    op.create_index("ix_pending_replies_message_key", "pending_replies", ["message_key"])
    op.create_index("ix_pending_replies_claimed_until", "pending_replies", ["claimed_until"])


def downgrade() -> None:
    op.drop_index("ix_pending_replies_claimed_until", table_name="pending_replies")
    op.drop_index("ix_pending_replies_message_key", table_name="pending_replies")
    op.drop_index("ix_pending_replies_participant_id", table_name="pending_replies")
    op.drop_table("pending_replies")
