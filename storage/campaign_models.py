"""Campaign and delivery tables: who wants prompts, which prompts went out, and the durable outbox.

Everything here hangs off a participant with ON DELETE CASCADE, so /forget removes it with them.
The outbox keeps no chat id: the worker joins `contacts` when it sends, so erasure stays clean.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow

# Frequencies a person can choose for campaign prompts.
FREQUENCIES = ("every", "weekly", "events")

# Outbox row states. queued → sending (leased) → sent | failed | blocked; cancelled when no longer wanted.
QUEUED, SENDING, SENT, FAILED, BLOCKED, CANCELLED = "queued", "sending", "sent", "failed", "blocked", "cancelled"
STATUSES = (QUEUED, SENDING, SENT, FAILED, BLOCKED, CANCELLED)
# A prompt counts against "one a day" / "one a week" unless it was never going to arrive.
LIVE_STATUSES = (QUEUED, SENDING, SENT)

# Lower goes first: an interactive message is never stuck behind a 50,000-person broadcast.
PRIORITY_INTERACTIVE = 0
PRIORITY_NORMAL = 5
PRIORITY_BULK = 10

# BIGINT on PostgreSQL (a busy outbox outgrows 2^31 rows); INTEGER PRIMARY KEY (the rowid) on SQLite.
_BigId = BigInteger().with_variant(Integer(), "sqlite")


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive (they are stored as UTC); make them aware again."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


# The outbox kind of a campaign prompt (its rows are counted per day for "one prompt a day").
PROMPT_KIND = "prompt"


class PromptSubscription(Base):
    """Whether a person wants campaign prompts, how often, and whether they have paused them."""

    __tablename__ = "prompt_subscriptions"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # "every" prompt (still at most one a day), "weekly" (at most one a week), "events" (no prompts).
    frequency: Mapped[str] = mapped_column(String(8), default="every")
    # When we asked "do you want prompts?" — asked once; None for someone who found /prompts alone.
    asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # When they answered that question or chose in /prompts; the question's buttons are spent after.
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignSend(Base):
    """One decision about one cadence time of a campaign (or a facilitator's send-now)."""

    __tablename__ = "campaign_sends"
    # A cadence time is handled once, however often the scheduler ticks (NULL for send-now).
    __table_args__ = (UniqueConstraint("campaign_id", "fire_time", name="uq_campaign_send_fire"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(24), index=True)
    # None when the fire was skipped without a prompt.
    prompt_id: Mapped[str | None] = mapped_column(String(24), default=None)
    fire_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the deliveries may start (after quiet hours); None when skipped.
    send_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # "scheduled", "manual", "skipped"
    outcome: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(200), default="")
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(Base):
    """One message to one person, sent by a worker at the platform's pace; the dedupe key makes it once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_claim", "platform", "status", "priority", "available_at"),
        Index("ix_outbox_person_kind_day", "participant_id", "kind", "day"),
        Index("ix_outbox_ref_status", "ref", "status"),
    )

    id: Mapped[int] = mapped_column(_BigId, primary_key=True, autoincrement=True)
    # e.g. "prompt:vinter-2026/nabo-hej:42" — unique, so a second broadcast or a rerun adds nothing.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int] = participant_key()
    platform: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=PRIORITY_NORMAL)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    # Held back during quiet hours (prompts are; an interactive answer is not).
    quiet: Mapped[bool] = mapped_column(Boolean, default=True)
    # The Copenhagen day a prompt counts against for "one a day" and "one a week" (YYYY-MM-DD).
    day: Mapped[str | None] = mapped_column(String(10), default=None)
    # The neutral intent to send: {"text": …, "buttons": [[{"label": …, "action": …}]]}.
    payload: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    leased_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), default=None)


class OutboxWorker(Base):
    """A live delivery worker (heartbeat), so workers on one platform share its rate fairly."""

    __tablename__ = "outbox_workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rate: Mapped[float] = mapped_column(Float, default=0.0)


# APScheduler 3's SQLAlchemyJobStore table, created by our migration rather than by the scheduler, so
# the schema has one owner. Same columns as apscheduler.jobstores.sqlalchemy.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
