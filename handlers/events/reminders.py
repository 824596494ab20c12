"""Reminders 24 h and 2 h before an event, to confirmed attendees; persisted, never lost, never doubled.

A row per (event, person, kind, start time) is written when a seat is confirmed. `send_due_reminders`
claims due rows one by one with an atomic UPDATE … WHERE sent_at IS NULL and queues the message in the
same transaction, so a restart, a crash or a second process can neither lose nor double one. Moving an
event rewrites the unsent rows (the start time is in the dedupe key, so the new time reminds again).

Nobody is woken up: a reminder that would fall between 22:00 and 07:00 (Copenhagen) is sent at 21:00
the evening before instead, and of two reminders that end up less than three hours apart only the later
is kept. After downtime, a reminder is skipped if the event has started or a later one is due as well.

`events_tick(sessions, now)` is the periodic job (every minute is plenty): reminders, plus giving seats
freed by erasures (/forget cascades) to the people waiting.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engines.dates import TZ
from handlers.events.config import DEFAULT, EventsConfig
from handlers.events.store import aware, utc
from storage.db import writer
from storage.event_models import CONFIRMED, OPEN, WAITING, Event, EventReminder, Signup
from storage.clock import system_clock

log = logging.getLogger(__name__)

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


def _send_one(session: Session, row: EventReminder, now: datetime) -> str:
    from handlers.events import texts  # texts builds the message; it does not depend on this module

    event = session.get(Event, row.event_id)
    signup = session.scalars(select(Signup).where(Signup.event_id == row.event_id,
                                                  Signup.participant_id == row.participant_id)).one_or_none()
    if event is None or event.status != OPEN or aware(event.starts_at) <= now \
            or signup is None or signup.status != CONFIRMED:
        return "skipped"
    later_due = session.scalar(select(EventReminder.id).where(
        EventReminder.event_id == row.event_id, EventReminder.participant_id == row.participant_id,
        EventReminder.sent_at.is_(None), EventReminder.id != row.id,
        EventReminder.due_at > row.due_at, EventReminder.due_at <= now))
    if later_due is not None:
        return "skipped"
    texts.send_reminder(session, event, signup, row, now)
    return "queued"


def send_due_reminders(target, now: datetime, *, batch: int = 200) -> int:
    """Queue every reminder that is due; returns how many were queued. `target`: a sessionmaker or an App."""
    sessions = getattr(target, "sessions", target)
    now = utc(now)
    queued = 0
    while True:
        with writer(sessions()) as session:
            ids = list(session.scalars(select(EventReminder.id)
                                       .where(EventReminder.sent_at.is_(None), EventReminder.due_at <= now)
                                       .order_by(EventReminder.due_at, EventReminder.id).limit(batch)))
            if not ids:
                return queued
            for rid in ids:
                claimed = session.execute(
                    update(EventReminder).where(EventReminder.id == rid, EventReminder.sent_at.is_(None))
                    .values(sent_at=now).execution_options(synchronize_session=False)).rowcount
                if not claimed:
                    continue  # another process took it
                row = session.get(EventReminder, rid, populate_existing=True)
                outcome = _send_one(session, row, now)
                row.outcome = outcome
                queued += outcome == "queued"
            session.commit()


def promote_waiting(target, now: datetime, config: EventsConfig = DEFAULT) -> int:
    """Seats freed without a cancellation (an attendee erased themselves) go to the people waiting."""
    from handlers.events import seats, texts

    sessions = getattr(target, "sessions", target)
    now = utc(now)
    promoted = 0
    with sessions() as session:
        candidates = list(session.scalars(
            select(Event.id).where(Event.status == OPEN, Event.starts_at > now,
                                   Event.id.in_(select(Signup.event_id).where(Signup.status == WAITING)))))
    for event_id in candidates:
        with sessions() as session:
            event = session.get(Event, event_id)
            if event is None or seats.free_seats(session, event) == 0:
                continue  # full: nothing to give (checked before taking the lock)
        with writer(sessions()) as session:
            event = seats.lock_event(session, event_id)
            if event is None:
                continue
            moved = seats.promote(session, event, now, config)
            texts.tell_promoted(session, event, moved, now)
            session.commit()
            promoted += len(moved)
    return promoted


def events_tick(target, now: datetime | None = None, config: EventsConfig = DEFAULT) -> dict[str, int]:
    """The periodic job: due reminders, and seats for the people waiting. Safe to run anywhere, any time."""
    now = now or system_clock()
    return {"reminders": send_due_reminders(target, now), "promoted": promote_waiting(target, now, config)}
