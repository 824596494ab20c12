"""An online event's join link, kept apart from its public place

Revision ID: 0013_report
Revises: 0012_cell_keys
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_report"
down_revision = "0012_cell_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch rebuild): events keep their rows and their sign-ups.
    op.add_column("events", sa.Column("join_url", sa.String(500), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "join_url")
