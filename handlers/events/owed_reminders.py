"""The reminders a confirmed attendee is owed (24 h and 2 h before): when each falls due, and its row.

A row per (event, person, kind, start time) is written when a seat is confirmed and deleted, while
unsent, when it is given up. Moving an event rewrites the unsent rows (the start time is in the dedupe
key, so the new time reminds again). reminders.py sends them when they fall due.

Nobody is woken up: a reminder that would fall between 22:00 and 07:00 (Copenhagen) is sent at 21:00
the evening before instead, and of two reminders that end up less than three hours apart only the later
is kept.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engines.dates import TZ
from handlers.events.config import DEFAULT, EventsConfig
from handlers.events.store import aware
from storage.event_models import CONFIRMED, Event, EventReminder, Signup

NIGHT_START, NIGHT_END, EVENING = time(22, 0), time(7, 0), time(21, 0)
MIN_GAP = timedelta(hours=3)


def due_times(starts_at: datetime, config: EventsConfig = DEFAULT) -> list[tuple[str, datetime]]:
    """The reminders owed for an event starting then: (kind, due), earliest first."""
    planned = []
    for kind, before in config.reminder_offsets():
        due = aware(starts_at) - before
        local = due.astimezone(TZ)
        if local.time() >= NIGHT_START or local.time() < NIGHT_END:
            day = local.date() if local.time() >= NIGHT_START else local.date() - timedelta(days=1)
            due = datetime.combine(day, EVENING, TZ)
        planned.append((kind, due.astimezone(timezone.utc)))
    planned.sort(key=lambda p: p[1])
    kept = [p for i, p in enumerate(planned) if i + 1 == len(planned) or planned[i + 1][1] - p[1] >= MIN_GAP]
    return kept


def dedupe_key(event: Event, participant_id: int, kind: str) -> str:
    return f"evr:{event.id}:{participant_id}:{kind}:{int(aware(event.starts_at).timestamp())}"


def schedule(session: Session, event: Event, participant_id: int, now: datetime,
             config: EventsConfig = DEFAULT) -> int:
    """Owe this confirmed attendee their reminders (those still ahead). The caller holds the event lock."""
    made = 0
    for kind, due in due_times(event.starts_at, config):
        if due <= now:
            continue
        key = dedupe_key(event, participant_id, kind)
        if session.scalar(select(EventReminder.id).where(EventReminder.dedupe_key == key)) is not None:
            continue
        session.add(EventReminder(dedupe_key=key, event_id=event.id, participant_id=participant_id, kind=kind,
                                  due_at=due))
        made += 1
    return made


def clear(session: Session, event_id: int, participant_id: int | None = None) -> None:
    """Forget the unsent reminders of one attendee (or of everyone, for a cancelled or moved event)."""
    conds = [EventReminder.event_id == event_id, EventReminder.sent_at.is_(None)]
    if participant_id is not None:
        conds.append(EventReminder.participant_id == participant_id)
    session.execute(delete(EventReminder).where(*conds).execution_options(synchronize_session=False))


def reschedule(session: Session, event: Event, now: datetime, config: EventsConfig = DEFAULT) -> None:
    """The event moved: owe everyone confirmed the reminders for the new time."""
    clear(session, event.id)
    for pid in session.scalars(select(Signup.participant_id)
                               .where(Signup.event_id == event.id, Signup.status == CONFIRMED)):
        schedule(session, event, pid, now, config)
