"""Queries the events feature shares: upcoming events, an organiser's organisations, names for lists."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handlers.core.common import parse_int
from storage.event_models import CONFIRMED, OPEN, WAITING, Event, EventProfile, OrganiserMembership, Signup
from storage.models import Participant

# Deep-link payload of an event: "/start ev_12" opens it, however the platform lets people send that.
PAYLOAD_PREFIX = "ev_"


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive (they are stored as UTC); make them aware again."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def utc(moment: datetime) -> datetime:
    """Timestamps are stored and compared in UTC (SQLite keeps no offset, so it must be the same one)."""
    return aware(moment).astimezone(timezone.utc)


def flow_is_old(state, now: datetime, limit: timedelta) -> bool:
    """A question left unanswered this long is no longer what the next typed text answers."""
    return state is not None and state.updated_at is not None and now - aware(state.updated_at) > limit


def payload_for(event_id: int) -> str:
    return f"{PAYLOAD_PREFIX}{event_id}"


def event_from_payload(payload: str) -> int | None:
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    return parse_int(payload[len(PAYLOAD_PREFIX):])


def parse_id(raw: str) -> int | None:
    """An event id from a button or a command; anything else (mangled, huge) is None."""
    return parse_int(raw)


def upcoming(session: Session, now: datetime, *, municipality: str | None = None, include_online: bool = True,
             offset: int = 0, limit: int = 5) -> list[Event]:
    conds = [Event.status == OPEN, Event.starts_at > utc(now)]
    if municipality is not None:
        place = Event.municipality == municipality
        conds.append(or_(place, Event.online.is_(True)) if include_online else place)
    return list(session.scalars(select(Event).where(*conds).order_by(Event.starts_at, Event.id)
                                .offset(offset).limit(limit)))


def memberships(session: Session, participant: Participant | None) -> list[OrganiserMembership]:
    if participant is None:
        return []
    return list(session.scalars(select(OrganiserMembership)
                                .where(OrganiserMembership.participant_id == participant.id)
                                .order_by(OrganiserMembership.granted_at)))


def organisation_ids(session: Session, participant: Participant | None) -> set[int]:
    return {m.organisation_id for m in memberships(session, participant)}


def my_signups(session: Session, participant: Participant, now: datetime) -> list[Signup]:
    return list(session.scalars(
        select(Signup).join(Signup.event)
        .where(Signup.participant_id == participant.id, Signup.status.in_((CONFIRMED, WAITING)),
               Event.starts_at > utc(now), Event.status == OPEN)
        .order_by(Event.starts_at, Event.id)))


def attendees(session: Session, event_id: int, status: str) -> list[tuple[Signup, str | None]]:
    """Sign-ups with the display name each person chose (None: no name); never a platform id."""
    rows = session.execute(
        select(Signup, EventProfile.display_name)
        .outerjoin(EventProfile, EventProfile.participant_id == Signup.participant_id)
        .where(Signup.event_id == event_id, Signup.status == status)
        .order_by(Signup.queue_no, Signup.id)).all()
    return [(s, name) for s, name in rows]


def people_signed_up(session: Session, event_id: int) -> list[tuple[Signup, Participant]]:
    """Everyone with a seat or a place in line, with their participant (for notices)."""
    rows = session.execute(
        select(Signup, Participant).join(Participant, Participant.id == Signup.participant_id)
        .where(Signup.event_id == event_id, Signup.status.in_((CONFIRMED, WAITING)))
        .order_by(Signup.queue_no, Signup.id)).all()
    return [(signup, person) for signup, person in rows]
