"""Aftercare windows: for a while after a crisis reply, every message gets a short line with the helplines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class AftercareWindow(Base):
    """Until when one person's messages get the aftercare line instead of receipts and forms.

    Keyed by a keyed hash of (platform, user id), like processed_messages, and not by participant: a
    person who never said yes to anything has no participant row, and none is made for this. The row
    holds nothing else, lives in the database so a restart or a second process keeps the window, and is
    deleted once it has passed (handlers/core/aftercare.py).
    """

    __tablename__ = "aftercare_windows"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
