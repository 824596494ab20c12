"""Replies the core decided on and no platform has confirmed sending yet: kept so a crash only delays them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key


class PendingReply(Base):
    """The intents answering one incoming message, stored in the transaction that stored what it answers.

    Deleted once sent. `claimed_until` is the lease of the process sending it: a row whose lease ran out
    belongs to a process that died, and another claims it (`UPDATE … WHERE claimed_until < now`). Keyed
    by the participant where there is one, so /forget takes the row (and the words it may quote) with them.
    """

    __tablename__ = "pending_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int | None] = participant_key(nullable=True, index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    # The dispatcher's keyed hash of the incoming message (processed_messages.key): a redelivery finds it.
    message_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # {"intents": [...reply_codec...], "render": {what the adapter needs: chat type, user, reply-to, ...}}
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
