"""Queries the handlers share: finding people, erasing them, the dedupe salt."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Contact, Meta, Participant, Reflection
from storage.clock import system_clock


def find_participant(session: Session, platform: str, external_id: str) -> Participant | None:
    return session.scalars(
        select(Participant).where(Participant.platform == platform, Participant.external_id == external_id)
    ).one_or_none()


def participants_by_identity(session: Session, identities: set[tuple[str, str]]) -> list[Participant]:
    """Many people at once, with the flow state and contact each message needs, one round trip per table."""
    if not identities:
        return []
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in identities:
        by_platform.setdefault(platform, []).append(external_id)
    found: list[Participant] = []
    for platform, ids in by_platform.items():
        found.extend(session.scalars(
            select(Participant).where(Participant.platform == platform, Participant.external_id.in_(ids))
            .options(selectinload(Participant.flow), selectinload(Participant.contact))))
    return found


def erase_participant(session: Session, participant: Participant) -> None:
    """Delete the person; the database cascades to contact, consents, reflections and flow."""
    session.delete(participant)
    session.flush()


def delete_reflections(session: Session, participant: Participant) -> int:
    count = 0
    for reflection in list(participant.reflections):
        session.delete(reflection)
        count += 1
    session.flush()
    return count


def own_reflection(session: Session, participant: Participant, reflection_id: int) -> Reflection | None:
    """A reflection by id, only if it is this person's: someone else's id looks like a missing one."""
    reflection = session.get(Reflection, reflection_id)
    if reflection is None or reflection.participant_id != participant.id:
        return None
    return reflection


def mark_unreachable(session: Session, platform: str, chat_id: str, *, now: datetime | None = None) -> int:
    """The chat refused a message (blocked the bot, account deleted): stop sending to it.

    Marks every contact of that platform with that chat id; returns how many changed. The person's
    next /start makes the contact reachable again (handlers.onboarding.ensure_participant).
    """
    contacts = session.scalars(
        select(Contact).join(Contact.participant)
        .where(Participant.platform == platform, Contact.chat_id == chat_id, Contact.reachable.is_(True))
    ).all()
    for contact in contacts:
        contact.reachable = False
        contact.updated_at = now or system_clock()
    return len(contacts)


def dedupe_salt(session: Session) -> str:
    """The key for hashing platform message ids; made once per database when none is configured."""
    row = session.get(Meta, "dedupe_salt")
    if row is None:
        row = Meta(key="dedupe_salt", value=secrets.token_hex(32))
        session.add(row)
        session.commit()
    return row.value
