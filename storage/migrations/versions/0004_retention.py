"""reflections.text_purged_at: when retention deleted the raw text

Revision ID: 0004_retention
Revises: 0001
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_retention"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reflections") as batch_op:
        batch_op.add_column(sa.Column("text_purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reflections") as batch_op:
        batch_op.drop_column("text_purged_at")
