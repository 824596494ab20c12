"""Announcements in public channels: a count-only card per event, posted by the platform adapters.

Config maps municipalities to Telegram groups/channels and Discord channels (`EventsConfig.channels`).
Publishing an event writes one `event_announcements` row per channel in the same transaction, so an
announcement is never lost; the adapter of each platform drains its rows:

    for item in pending_announcements(session, "telegram", now):
        # item.message_ref is None → post item.text with a URL button to t.me/<bot>?start=<item.payload>
        # item.message_ref set   → edit that message (counts, time or place changed; or cancelled)
        announcement_posted(session, item.id, message_ref, now)      # or announcement_failed(…)
    session.commit()

Names are never part of the card: only how many seats are taken. Sign-up happens in a private chat
(the deep link), never in the channel. A Discord adapter with the Manage Events permission may mirror
the event as a Guild Scheduled Event from the same item (title, start, end, location) and keep the
scheduled event's id as message_ref.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from handlers.events.config import EventsConfig
from handlers.events.store import aware, payload_for
from handlers.events.texts import public_card
from storage.event_models import FAILED, OPEN, PENDING, POSTED, Event, EventAnnouncement

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Announcement:
    """A neutral channel post; a core `Announcement` intent is proposed for handlers/core/types.py."""

    id: int
    event_id: int
    platform: str
    channel_ref: str
    text: str
    # The deep-link payload adapters turn into a link to a private chat ("ev_12").
    payload: str
    # None: post a new message; else the message (or Discord scheduled event) to edit.
    message_ref: str | None
    cancelled: bool
    # For a Discord Guild Scheduled Event mirror.
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str


def queue_announcements(session: Session, event: Event, config: EventsConfig) -> int:
    """One row per configured channel of the event's municipality."""
    made = 0
    for platform, by_municipality in config.channels.items():
        for channel in by_municipality.get(event.municipality, ()):
            session.add(EventAnnouncement(event_id=event.id, platform=platform, channel=channel, status=PENDING,
                                          created_at=event.created_at))
            made += 1
    return made


def mark_stale(session: Session, event_id: int) -> None:
    """Counts, time, place or status changed: posted cards should be edited."""
    session.execute(update(EventAnnouncement)
                    .where(EventAnnouncement.event_id == event_id, EventAnnouncement.status == POSTED)
                    .values(stale=True).execution_options(synchronize_session=False))


def pending_announcements(session: Session, platform: str, now: datetime, *, lang: str = "da",
                          limit: int = 20) -> list[Announcement]:
    rows = session.scalars(
        select(EventAnnouncement).join(Event, Event.id == EventAnnouncement.event_id)
        .where(EventAnnouncement.platform == platform,
               or_(EventAnnouncement.status == PENDING,
                   (EventAnnouncement.status == POSTED) & EventAnnouncement.stale.is_(True)),
               # Nothing new is posted for an event that is over; a posted card may still be edited.
               or_(EventAnnouncement.status == POSTED, Event.starts_at > now))
        .order_by(EventAnnouncement.id).limit(limit)).all()
    out = []
    for row in rows:
        event = session.get(Event, row.event_id)
        start = aware(event.starts_at)
        out.append(Announcement(
            id=row.id, event_id=event.id, platform=row.platform, channel_ref=row.channel,
            text=public_card(session, event, lang, now), payload=payload_for(event.id),
            message_ref=row.message_ref, cancelled=event.status != OPEN, title=event.title, starts_at=start,
            ends_at=start + timedelta(minutes=event.duration_minutes),
            location=event.place if event.online else f"{event.place}, {event.municipality}"))
    return out


def announcement_posted(session: Session, announcement_id: int, message_ref: str | None, now: datetime) -> None:
    row = session.get(EventAnnouncement, announcement_id)
    if row is None:
        return
    row.status, row.stale, row.posted_at = POSTED, False, row.posted_at or now
    row.message_ref = message_ref or row.message_ref
    # Failures count towards giving up only while they follow each other: a card edited over weeks
    # must not stop being updated after five unrelated hiccups.
    row.last_error, row.attempts = None, 0


def announcement_failed(session: Session, announcement_id: int, error: str, *, permanent: bool = False) -> None:
    row = session.get(EventAnnouncement, announcement_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:200]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        if row.status == PENDING:
            row.status = FAILED
        row.stale = False
