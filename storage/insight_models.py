"""Insight tables: the delivery log of knowledge-base digests, and opt-ins to "what others said".

`digest_deliveries` is the log the design asks for (who, when, what): one row per digest sent
(or tried, or dry-run) to one sink, with its idempotency key, so a digest already delivered to a
sink is never sent there again. It holds no personal data.

`summary_requests` records that a person asked to hear what others said about a prompt; it hangs
off the participant with ON DELETE CASCADE, so /forget removes it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow

# digest_deliveries.status
SENDING, DELIVERED, FAILED, DRY_RUN, SKIPPED = "sending", "delivered", "failed", "dry-run", "skipped"


class DigestDelivery(Base):
    """One digest to one sink: what, to where, by whom, when, how it went."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (Index("ix_digest_deliveries_sink_key", "sink", "digest_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[str] = mapped_column(String(64))  # e.g. samtale-digest-2026-W48
    digest_key: Mapped[str] = mapped_column(String(96))  # the idempotency key (content hash)
    period: Mapped[str] = mapped_column(String(16))
    sink: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # folder | webhook | dry-run
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # "scheduler", or "cli:<os user>"
    requested_by: Mapped[str] = mapped_column(String(128))
    target: Mapped[str | None] = mapped_column(Text, default=None)  # folder path or URL
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SummaryRequest(Base):
    """A person who answered a prompt and asked for a summary of what others said."""

    __tablename__ = "summary_requests"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
