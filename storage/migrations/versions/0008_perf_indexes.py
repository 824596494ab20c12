"""Indexes the growing tables need: prompt summaries look reflections up by prompt, digests count
new participants by creation time.

Revision ID: 0008_perf_indexes
Revises: 0001
"""
from __future__ import annotations

from alembic import op

revision = "0008_perf_indexes"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reflections_prompt_id", "reflections", ["prompt_id"])
    op.create_index("ix_participants_created_at", "participants", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_participants_created_at", table_name="participants")
    op.drop_index("ix_reflections_prompt_id", table_name="reflections")
