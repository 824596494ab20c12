"""checkin_prefs and checkins: the opt-in loneliness check-in (separate consent, answers, score)

Revision ID: 0013_checkin
Revises: 0012_cell_keys
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_checkin"
down_revision = "0014_citizen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_prefs",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_version", sa.String(length=16), nullable=True),
        sa.Column("consent_language", sa.String(length=8), nullable=True),
        sa.Column("consent_text", sa.Text(), nullable=True),
        sa.Column("last_offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scale_version", sa.SmallInteger(), nullable=False),
        sa.Column("companionship", sa.SmallInteger(), nullable=False),
        sa.Column("left_out", sa.SmallInteger(), nullable=False),
        sa.Column("isolated", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("direct", sa.String(length=16), nullable=True),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkins_participant_id", "checkins", ["participant_id"])
    op.create_index("ix_checkins_answered_at", "checkins", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_checkins_answered_at", table_name="checkins")
    op.drop_index("ix_checkins_participant_id", table_name="checkins")
    op.drop_table("checkins")
    op.drop_table("checkin_prefs")
