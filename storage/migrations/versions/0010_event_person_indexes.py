"""Indexes on the event columns that point at a person, so erasing one does not scan every event

Revision ID: 0010_event_person_indexes
Revises: 0005_events
"""
from __future__ import annotations

from alembic import op

revision = "0010_event_person_indexes"
down_revision = "0005_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_created_by", "events", ["created_by"])
    op.create_index("ix_event_invites_used_by", "event_invites", ["used_by"])


def downgrade() -> None:
    op.drop_index("ix_event_invites_used_by", table_name="event_invites")
    op.drop_index("ix_events_created_by", table_name="events")
