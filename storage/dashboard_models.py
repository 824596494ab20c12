"""The web dashboard's one-time login links and its sessions; only hashes of their secrets are kept.

A link is bound to one person and role: an organiser by their participant row (so /forget ends their
links and sessions with them), a configured facilitator by the "platform:id" that `roles.facilitators`
names (the dashboard never shows it).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.clock import system_clock as utcnow


class DashboardLink(Base):
    """A login link sent in a private chat: valid for minutes, usable once."""

    __tablename__ = "dashboard_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"),
                                                       default=None, index=True)
    identity: Mapped[str | None] = mapped_column(String(160), default=None, index=True)
    lang: Mapped[str] = mapped_column(String(8), default="da")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class DashboardSession(Base):
    """A browser logged in from a link; it ends at logout, after 30 idle minutes, or when revoked."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"),
                                                       default=None, index=True)
    identity: Mapped[str | None] = mapped_column(String(160), default=None)
    lang: Mapped[str] = mapped_column(String(8), default="da")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
