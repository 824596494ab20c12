"""The bot's own chat messages that show something of a person, kept only so erasure can delete them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key


class PlatformMessage(Base):
    """One message the bot sent into a person's private chat that quotes their words or data.

    Only ids: no text. Keyed by the participant (deleted with them), and taken (deleted) when erasure
    asks the platform to delete the messages, so the ids do not outlive what they point at.
    """

    __tablename__ = "platform_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = participant_key(index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
