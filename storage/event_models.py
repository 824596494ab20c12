"""Local events: organisations and their organisers, invite codes, events, sign-ups, reminders, channel posts.

Erasure (/forget) and what it does here:
- a person's sign-ups, reminders, display name and organiser memberships go with them (ON DELETE CASCADE);
  a seat they held is given to the next person waiting at the next sign-up, cancellation or tick;
- events belong to an *organisation*, not to the organiser who typed them in: an organiser's erasure
  only blanks `events.created_by` (ON DELETE SET NULL), so twenty people's shared dinner is not cancelled
  because one volunteer left. Other organisers of the organisation (and facilitators) keep managing it;
- an invite code someone redeemed keeps its audit row, with `used_by` blanked (SET NULL).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, participant_key
from storage.clock import system_clock as utcnow

# Event states.
OPEN, CANCELLED = "open", "cancelled"
# Sign-up states: a confirmed seat, a place in line, or withdrawn (kept so a second press is harmless).
CONFIRMED, WAITING, WITHDRAWN = "confirmed", "waiting", "withdrawn"
# Channel post states.
PENDING, POSTED, FAILED = "pending", "posted", "failed"


class Organisation(Base):
    """An association, library or municipality that announces events."""

    __tablename__ = "event_organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    municipality: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrganiserMembership(Base):
    """A participant who may announce and manage the events of one organisation."""

    __tablename__ = "event_organisers"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("event_organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_invites.id", ondelete="SET NULL"), default=None
    )
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class OrganiserInvite(Base):
    """A one-time code a facilitator hands to an organiser; only its hash is kept."""

    __tablename__ = "event_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a facilitator can tell codes apart in `samtale organiser list`.
    hint: Mapped[str] = mapped_column(String(8))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("event_organisations.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Indexed, as is events.created_by: erasing a person looks their rows up here to blank them.
    used_by: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), default=None,
                                                index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    organisation: Mapped[Organisation] = relationship()


class Event(Base):
    """One announced event. Times are stored in UTC and always shown in Copenhagen time."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_status_start", "status", "starts_at"),
                      Index("ix_events_municipality_start", "municipality", "starts_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("event_organisations.id", ondelete="CASCADE"),
                                                 index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"),
                                                   default=None, index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(200))
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    # An online event's join link (https only): for people with a confirmed seat, never on public cards.
    join_url: Mapped[str | None] = mapped_column(String(500), default=None)
    municipality: Mapped[str] = mapped_column(String(64))
    # None: no limit.
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    language: Mapped[str] = mapped_column(String(40), default="da")
    audience: Mapped[str] = mapped_column(String(16), default="all")
    accessibility: Mapped[str] = mapped_column(String(300), default="")
    plus_one: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    cancel_note: Mapped[str] = mapped_column(String(500), default="")
    # Bumped by every seat change: the UPDATE that bumps it is the lock (row lock on PostgreSQL, the
    # write lock on SQLite), and its value orders the waitlist.
    seat_seq: Mapped[int] = mapped_column(Integer, default=0)
    # iCalendar SEQUENCE: bumped when time or place change, so calendars replace the old entry.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Signup(Base):
    """A person's seat or place in line for one event; `guests` is the friend they bring (+1)."""

    __tablename__ = "event_signups"
    __table_args__ = (UniqueConstraint("event_id", "participant_id", name="uq_event_signup"),
                      Index("ix_event_signups_event_status", "event_id", "status", "queue_no"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = participant_key(index=True)
    status: Mapped[str] = mapped_column(String(12))
    guests: Mapped[int] = mapped_column(Integer, default=0)
    # The event's seat_seq when the person joined the line: the waitlist order.
    queue_no: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    event: Mapped[Event] = relationship()

    @property
    def seats(self) -> int:
        return 1 + self.guests


class EventProfile(Base):
    """The name a person chose to show on attendee lists (never a platform id); None: no name."""

    __tablename__ = "event_profiles"

    participant_id: Mapped[int] = participant_key(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(40), default=None)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventReminder(Base):
    """A reminder owed to a confirmed attendee; `sent_at` is set in the transaction that queues it."""

    __tablename__ = "event_reminders"
    __table_args__ = (Index("ix_event_reminders_due", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "evr:<event>:<participant>:<kind>:<start epoch>": one per start time, so a moved event reminds again.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = participant_key(index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "24h" | "2h"
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # "queued" (handed to delivery) or "skipped" (too late to be useful, e.g. after downtime).
    outcome: Mapped[str | None] = mapped_column(String(12), default=None)


class EventAnnouncement(Base):
    """A count-only card for a public channel (Telegram group/channel, Discord channel); adapters post it."""

    __tablename__ = "event_announcements"
    __table_args__ = (UniqueConstraint("event_id", "platform", "channel", name="uq_event_announcement"),
                      Index("ix_event_announcements_platform_status", "platform", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    # Set when counts, time or place changed after posting: the adapter edits its message.
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    message_ref: Mapped[str | None] = mapped_column(String(128), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
