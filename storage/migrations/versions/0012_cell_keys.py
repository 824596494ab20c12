"""A permanent random record key per participant, for the cell-key method (docs/disclosure.md)

Revision ID: 0012_cell_keys
Revises: 0011_platform_messages
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012_cell_keys"
down_revision = "0011_platform_messages"
branch_labels = None
depends_on = None

BATCH = 5000
RANGE = 1 << 30  # storage.models.RECORD_KEY_RANGE, copied: a migration must not change with the code


def upgrade() -> None:
    # Added NOT NULL with a placeholder default, never through batch_alter_table: on SQLite that
    # recreates `participants`, and dropping the old table cascades to every row that belongs to a
    # participant (reflections, consents, …) — an upgrade that erased everyone's words.
    op.add_column("participants", sa.Column("record_key", sa.Integer(), nullable=False, server_default="0"))
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
    if conn.dialect.name != "sqlite":
        # New rows get their key from the model; SQLite keeps the unused default (dropping it would
        # mean recreating the table, see above).
        op.alter_column("participants", "record_key", server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a column in place; a batch recreation would cascade-delete (see upgrade).
        op.execute("ALTER TABLE participants DROP COLUMN record_key")
    else:
        op.drop_column("participants", "record_key")
