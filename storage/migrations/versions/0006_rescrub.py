"""Scrub reflections stored before the scrubbing rules existed (a one-time data migration)

Revision ID: 0006_rescrub
Revises: 0004_retention
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

# A data migration applies today's rules to old rows; it is the one place storage/ reaches into handlers/.
from engines.scrub import scrub

revision = "0006_rescrub"
down_revision = "0004_retention"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    conn = op.get_bind()
    reflections = sa.table("reflections", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    last = 0
    while True:
        rows = conn.execute(sa.select(reflections.c.id, reflections.c.text).where(reflections.c.id > last)
                            .order_by(reflections.c.id).limit(BATCH)).all()
        if not rows:
            break
        changed = [{"rid": rid, "clean": scrub(text)} for rid, text in rows if text and scrub(text) != text]
        if changed:
            conn.execute(reflections.update().where(reflections.c.id == sa.bindparam("rid"))
                         .values(text=sa.bindparam("clean")), changed)
        last = rows[-1].id


def downgrade() -> None:
    # Scrubbed personal data cannot, and must not, be restored.
    pass
