"""Crisis alerts for facilitators: how many crisis replies were given, when — never what or to whom."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.clock import system_clock as utcnow

# crisis_alerts.status
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class CrisisAlert(Base):
    """One alert to one facilitator chat, counting the crisis replies given since the last one went out.

    Deliberately no participant, no chat of the person, no text: a facilitator learns that the
    crisis reply is in use and how often, so they can follow up on staffing and the help-line
    information, not who wrote. While an alert waits to be sent, further crisis replies add to its
    count instead of queueing one message each.
    """

    __tablename__ = "crisis_alerts"
    __table_args__ = (Index("ix_crisis_alerts_status", "status", "platform"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A process that claimed the alert and died: after this, another may send it.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
