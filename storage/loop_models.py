"""Closing the loop: who wants to hear what the partnership did, what they were told, and each status change.

- `update_preferences`: a person's opt-in to "I sagde – vi gjorde" messages (set in /settings); it hangs
  off the participant with ON DELETE CASCADE, so /forget removes it.
- `action_notices`: one row per message queued to a person about an action-plan item (for /mydata, the
  one-a-month limit and the report's count); removed with the person.
- `action_status_changes`: a facilitator marked an item started or done, and how many were told. No
  personal data (the actor is a configured facilitator identity, as in the audit log), so it outlives
  erasures as the record of what the partnership did.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow

# What an outbox row about an action-plan item is called (its ref is "<year>:<item>:<status>").
ACTION_KIND = "action"


class UpdatePreference(Base):
    """Whether a person wants one short message when an item about a theme they wrote on moves."""

    __tablename__ = "update_preferences"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    action_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActionNotice(Base):
    """One message to one person about one action-plan item reaching a status."""

    __tablename__ = "action_notices"
    __table_args__ = (Index("ix_action_notices_person_at", "participant_id", "queued_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = participant_key()
    year: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8))
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ActionStatusChange(Base):
    """A facilitator marked an action-plan item started or done (the latest row is its status)."""

    __tablename__ = "action_status_changes"
    __table_args__ = (Index("ix_action_status_item", "year", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(160))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # How many people were sent the message about it.
    notified: Mapped[int] = mapped_column(Integer, default=0)
