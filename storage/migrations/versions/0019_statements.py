"""The conversation: statements, votes, opinion groups and the analysis's state

Revision ID: 0017_statements
Revises: 0016_loop
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_statements"
down_revision = "0018_dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text_da", sa.Text(), nullable=True),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("campaign", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["participants.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_statements_status", "statements", ["status"])
    op.create_table(
        "statement_votes",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["statement_id"], ["statements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "statement_id"),
    )
    op.create_index("ix_statement_votes_statement", "statement_votes", ["statement_id"])
    op.create_index("ix_statement_votes_person_at", "statement_votes", ["participant_id", "at"])
    op.create_table(
        "statement_groups",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("group_no", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "conversation_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=True),
        sa.Column("challenger", sa.Integer(), nullable=True),
        sa.Column("wins", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("conversation_state")
    op.drop_table("statement_groups")
    op.drop_index("ix_statement_votes_person_at", table_name="statement_votes")
    op.drop_index("ix_statement_votes_statement", table_name="statement_votes")
    op.drop_table("statement_votes")
    op.drop_index("ix_statements_status", table_name="statements")
    op.drop_table("statements")
