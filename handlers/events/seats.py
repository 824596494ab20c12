"""Seats: sign-up, waitlist, cancellation, +1 and capacity — exact under concurrent presses.

Every change starts by bumping `events.seat_seq` with one UPDATE. That statement is the lock: on
PostgreSQL it takes the event's row lock until commit (the SELECT … FOR UPDATE that follows is then
free), on SQLite it takes the database's write lock. Whoever comes second waits, then counts the seats
the first one committed. Seats are counted from the sign-ups themselves (never a cached counter), so a
cascade delete by /forget can never leave a count wrong; the freed seat goes to the next person waiting
at the next change or tick (`promote`).

Waitlist rule: the first person in line whose party (1, or 2 with a friend) fits gets the seat, so a
seat never stays empty while someone who fits is waiting; a pair keeps its place at the front.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from handlers.events import owed_reminders
from handlers.events.store import aware
from handlers.events.config import DEFAULT, EventsConfig
from storage.event_models import CONFIRMED, OPEN, WAITING, WITHDRAWN, Event, Signup
from storage.models import Participant

# Outcomes.
NOT_FOUND, CLOSED, STARTED = "not_found", "closed", "started"
JOINED, WAITLISTED, ALREADY_IN, ALREADY_WAITING, ONLY_ONE_SEAT = "joined", "waitlisted", "already_in", \
    "already_waiting", "only_one_seat"
LEFT, NOT_SIGNED_UP = "left", "not_signed_up"
FRIEND_ADDED, FRIEND_REMOVED, NO_ROOM_FOR_FRIEND, NO_FRIENDS, UNCHANGED = "friend_added", "friend_removed", \
    "no_room_for_friend", "no_friends", "unchanged"
CAPACITY_SET, CAPACITY_TOO_LOW = "capacity_set", "capacity_too_low"


@dataclass
class SeatChange:
    outcome: str
    event: Event | None = None
    signup: Signup | None = None
    position: int | None = None
    promoted: list[Signup] = field(default_factory=list)
    taken: int = 0


def lock_event(session: Session, event_id: int) -> Event | None:
    """Take the event's lock for this transaction (see the module notes); None if there is no such event."""
    bumped = session.execute(
        update(Event).where(Event.id == event_id).values(seat_seq=Event.seat_seq + 1)
        .execution_options(synchronize_session=False))
    if not bumped.rowcount:
        return None
    stmt = select(Event).where(Event.id == event_id).with_for_update()
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


def seats_taken(session: Session, event_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(1 + Signup.guests), 0))
                          .where(Signup.event_id == event_id, Signup.status == CONFIRMED)) or 0


def waiting_count(session: Session, event_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Signup)
                          .where(Signup.event_id == event_id, Signup.status == WAITING)) or 0


def free_seats(session: Session, event: Event) -> int | None:
    """None: no limit."""
    if event.capacity is None:
        return None
    return max(0, event.capacity - seats_taken(session, event.id))


def position(session: Session, signup: Signup) -> int | None:
    """1 for the first in line."""
    if signup.status != WAITING:
        return None
    ahead = session.scalar(select(func.count()).select_from(Signup).where(
        Signup.event_id == signup.event_id, Signup.status == WAITING,
        or_(Signup.queue_no < signup.queue_no, and_(Signup.queue_no == signup.queue_no, Signup.id < signup.id))))
    return (ahead or 0) + 1


def signup_of(session: Session, event_id: int, participant_id: int) -> Signup | None:
    return session.scalars(select(Signup).where(Signup.event_id == event_id,
                                                Signup.participant_id == participant_id)).one_or_none()


def _usable(event: Event | None, now: datetime) -> str | None:
    if event is None:
        return NOT_FOUND
    if event.status != OPEN:
        return CLOSED
    if aware(event.starts_at) <= now:
        return STARTED
    return None


def sign_up(session: Session, event_id: int, person: Participant, now: datetime, *, guests: int = 0,
            wait_together: bool = False, config: EventsConfig = DEFAULT) -> SeatChange:
    """Take a seat, or a place in line. A second press changes nothing and says where the person stands."""
    event = lock_event(session, event_id)
    problem = _usable(event, now)
    if problem:
        return SeatChange(problem, event)
    assert event is not None
    guests = 1 if guests and event.plus_one else 0
    mine = signup_of(session, event.id, person.id)
    if mine is not None and mine.status == CONFIRMED:
        return SeatChange(ALREADY_IN, event, mine)
    if mine is not None and mine.status == WAITING:
        return SeatChange(ALREADY_WAITING, event, mine, position(session, mine))
    free = free_seats(session, event)
    if free is None or free >= 1 + guests:
        status = CONFIRMED
    elif guests and free == 1 and not wait_together:
        return SeatChange(ONLY_ONE_SEAT, event)
    else:
        status = WAITING
    if mine is None:
        mine = Signup(event_id=event.id, participant_id=person.id, created_at=now)
        session.add(mine)
    mine.status, mine.guests, mine.queue_no, mine.updated_at = status, guests, event.seat_seq, now
    session.flush()
    if status == CONFIRMED:
        owed_reminders.schedule(session, event, person.id, now, config)
        return SeatChange(JOINED, event, mine, taken=seats_taken(session, event.id))
    return SeatChange(WAITLISTED, event, mine, position(session, mine))


def leave(session: Session, event_id: int, person: Participant, now: datetime,
          config: EventsConfig = DEFAULT) -> SeatChange:
    """Give up a seat or a place in line; the seat goes to whoever is next."""
    event = lock_event(session, event_id)
    if event is None:
        return SeatChange(NOT_FOUND)
    mine = signup_of(session, event.id, person.id)
    if mine is None or mine.status == WITHDRAWN:
        return SeatChange(NOT_SIGNED_UP, event)
    mine.status, mine.guests, mine.updated_at = WITHDRAWN, 0, now
    owed_reminders.clear(session, event.id, person.id)
    session.flush()
    return SeatChange(LEFT, event, mine, promoted=promote(session, event, now, config))


def set_guests(session: Session, event_id: int, person: Participant, guests: int, now: datetime,
               config: EventsConfig = DEFAULT) -> SeatChange:
    """Bring a friend (1) or come alone (0). A friend needs a free seat; the person's own seat is never at risk."""
    event = lock_event(session, event_id)
    problem = _usable(event, now)
    if problem:
        return SeatChange(problem, event)
    assert event is not None
    mine = signup_of(session, event.id, person.id)
    if mine is None or mine.status == WITHDRAWN:
        return SeatChange(NOT_SIGNED_UP, event)
    if guests and not event.plus_one:
        return SeatChange(NO_FRIENDS, event, mine)
    if mine.guests == guests:
        return SeatChange(UNCHANGED, event, mine, position(session, mine))
    if guests and mine.status == CONFIRMED:
        free = free_seats(session, event)
        if free is not None and free < 1:
            return SeatChange(NO_ROOM_FOR_FRIEND, event, mine)
    mine.guests, mine.updated_at = guests, now
    session.flush()
    promoted = promote(session, event, now, config) if not guests else []
    return SeatChange(FRIEND_ADDED if guests else FRIEND_REMOVED, event, mine, position(session, mine), promoted)


def set_capacity(session: Session, event_id: int, capacity: int | None, now: datetime,
                 config: EventsConfig = DEFAULT) -> SeatChange:
    """Change the number of seats; never below the seats already promised. A raise promotes at once."""
    event = lock_event(session, event_id)
    if event is None:
        return SeatChange(NOT_FOUND)
    taken = seats_taken(session, event.id)
    if capacity is not None and capacity < taken:
        return SeatChange(CAPACITY_TOO_LOW, event, taken=taken)
    event.capacity, event.updated_at = capacity, now
    session.flush()
    return SeatChange(CAPACITY_SET, event, promoted=promote(session, event, now, config), taken=taken)


def promote(session: Session, event: Event, now: datetime, config: EventsConfig = DEFAULT) -> list[Signup]:
    """Give free seats to the people waiting, first in line first (among those whose party fits).

    The caller holds the event's lock (lock_event)."""
    if event.status != OPEN or aware(event.starts_at) <= now:
        return []
    waiting = session.scalars(select(Signup).where(Signup.event_id == event.id, Signup.status == WAITING)
                              .order_by(Signup.queue_no, Signup.id)).all()
    if not waiting:
        return []
    free = free_seats(session, event)
    promoted = []
    for signup in waiting:
        if free is not None and signup.seats > free:
            continue
        signup.status, signup.updated_at = CONFIRMED, now
        if free is not None:
            free -= signup.seats
        owed_reminders.schedule(session, event, signup.participant_id, now, config)
        promoted.append(signup)
        if free == 0:
            break
    session.flush()
    return promoted
