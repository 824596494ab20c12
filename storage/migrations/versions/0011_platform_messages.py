"""platform_messages: ids of the bot's own messages that show a person's data, so /forget can delete them

Revision ID: 0011_platform_messages
Revises: 0010_event_person_indexes
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_platform_messages"
down_revision = "0010_event_person_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_platform_messages_participant_id", "platform_messages", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_platform_messages_participant_id", table_name="platform_messages")
    op.drop_table("platform_messages")
