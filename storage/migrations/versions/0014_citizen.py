"""aftercare_windows (the window after a crisis reply, shared by every process) and consents.purpose
(a consent to handle an event sign-up is not a consent to keep reflections)

Revision ID: 0013_citizen
Revises: 0012_cell_keys
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_citizen"
down_revision = "0013_report"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "aftercare_windows",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_aftercare_windows_until", "aftercare_windows", ["until"])
    # Every consent given so far was the consent to keep reflections. A plain ADD COLUMN (never a batch
    # rebuild on SQLite: it would cascade from participants' children).
    op.add_column("consents", sa.Column("purpose", sa.String(length=16), nullable=False,
                                        server_default="reflections"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE consents DROP COLUMN purpose")
    else:
        op.drop_column("consents", "purpose")
    op.drop_index("ix_aftercare_windows_until", table_name="aftercare_windows")
    op.drop_table("aftercare_windows")
