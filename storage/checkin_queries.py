"""Check-in queries: who may be offered one now, a person's check-ins, and erasing them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.orm import Session

from storage.campaign_models import as_utc
from storage.checkin_models import Checkin, CheckinPrefs
from storage.models import Contact, Participant

# Only people of 15 or more are asked (Denmark's age of digital consent); the bands are content/people.py's.
ASKED_BANDS = ("15-17", "18-29", "30-49", "50-64", "65-79", "80+")


@dataclass(frozen=True)
class CheckinRules:
    """When a check-in may be offered (from [checkins] in the settings)."""

    enabled: bool = True
    first_after_days: int = 7
    every_days: int = 90


def prefs_of(session: Session, participant_id: int) -> CheckinPrefs | None:
    # No autoflush: other people's pending rows in the same batch are no answer to this question.
    with session.no_autoflush:
        return session.get(CheckinPrefs, participant_id)


def last_checkin(session: Session, participant_id: int) -> Checkin | None:
    return session.scalars(select(Checkin).where(Checkin.participant_id == participant_id)
                           .order_by(Checkin.answered_at.desc(), Checkin.id.desc()).limit(1)).first()


def checkins_of(session: Session, participant_id: int) -> list[Checkin]:
    return list(session.scalars(select(Checkin).where(Checkin.participant_id == participant_id)
                                .order_by(Checkin.answered_at, Checkin.id)))


def delete_checkins(session: Session, participant_id: int) -> int:
    """Erase a person's check-ins (consent withdrawn); their prefs stay so they are not asked again."""
    done = session.execute(delete(Checkin).where(Checkin.participant_id == participant_id)).rowcount or 0
    prefs = prefs_of(session, participant_id)
    if prefs is not None:
        prefs.last_answered_at = None
    session.flush()
    return done


def due_offers(rules: CheckinRules, now: datetime) -> Select:
    """People who may be offered a check-in now: consented to Samtale, onboarded, 15 or older, reachable,
    with us for `first_after_days`, not "don't ask again", and not asked or checked in for `every_days`."""
    since = now - timedelta(days=rules.every_days)
    recent = exists().where(Checkin.participant_id == Participant.id, Checkin.answered_at > since)
    return (select(Participant)
            .join(Contact, Contact.participant_id == Participant.id)
            .outerjoin(CheckinPrefs, CheckinPrefs.participant_id == Participant.id)
            .where(Participant.consent_state == "given", Participant.onboarded.is_(True),
                   Participant.age_band.in_(ASKED_BANDS), Contact.reachable.is_(True),
                   Participant.created_at <= now - timedelta(days=rules.first_after_days),
                   CheckinPrefs.declined_at.is_(None),
                   or_(CheckinPrefs.last_offered_at.is_(None), CheckinPrefs.last_offered_at <= since),
                   ~recent)
            .order_by(Participant.id))


def may_check_in(session: Session, participant: Participant, rules: CheckinRules, now: datetime) -> str | None:
    """None if this person may take a check-in now (on request: "don't ask again" does not stop them),
    else why not: "age", "too_soon" (days since joining) or "recent" (the interval since the last one)."""
    if participant.age_band not in ASKED_BANDS:
        return "age"
    if as_utc(participant.created_at) > now - timedelta(days=rules.first_after_days):
        return "too_soon"
    prefs = prefs_of(session, participant.id)
    last = prefs.last_answered_at if prefs is not None else None
    if last is not None and as_utc(last) > now - timedelta(days=rules.every_days):  # type: ignore[operator]
        return "recent"
    return None
