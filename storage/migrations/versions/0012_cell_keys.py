"""A permanent random record key per participant, for the cell-key method (docs/disclosure.md)

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
# Merge note: 0011 (platform messages) is added in parallel; until it lands this points at 0010.
down_revision = "0010_event_person_indexes"
branch_labels = None
depends_on = None

BATCH = 5000
RANGE = 1 << 30  # storage.models.RECORD_KEY_RANGE, copied: a migration must not change with the code


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("record_key", sa.Integer(), nullable=True))
    conn = op.get_bind()
    people = sa.table("participants", sa.column("id", sa.Integer), sa.column("record_key", sa.Integer))
    last = 0
    while True:
        ids = conn.execute(sa.select(people.c.id).where(people.c.id > last).order_by(people.c.id)
                           .limit(BATCH)).scalars().all()
        if not ids:
            break
        conn.execute(people.update().where(people.c.id == sa.bindparam("pid"))
                     .values(record_key=sa.bindparam("key")),
                     [{"pid": pid, "key": secrets.randbelow(RANGE)} for pid in ids])
        last = ids[-1]
    with op.batch_alter_table("participants") as batch:
        batch.alter_column("record_key", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("record_key")
