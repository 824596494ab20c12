"""Organiser invite codes: made by facilitators (CLI), redeemed once with /organiser CODE, revocable.

Only a SHA-256 of each code is stored; the code is shown once, to the facilitator who made it.
Redemption is one atomic UPDATE … WHERE unused AND not revoked AND not expired, so two people typing the
same code at once cannot both become organisers.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from content.municipalities import match_municipality
from handlers.core.common import parse_int
from handlers.events.store import aware
from storage.event_models import OrganiserInvite, OrganiserMembership, Organisation
from storage.models import Participant

# No 0/O, 1/I/L: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_CHARS = 10


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    return f"{raw[:5]}-{raw[5:]}"


class InviteError(ValueError):
    """A facilitator's request that cannot be done; the message says why."""


def organisation(session: Session, name: str, municipality: str, now: datetime) -> Organisation:
    name = " ".join(name.split())
    if not 2 <= len(name) <= 120:
        raise InviteError("the organisation name must be 2-120 characters")
    found = match_municipality(municipality)
    if found is None:
        raise InviteError(f"unknown municipality: {municipality!r}")
    org = session.scalars(select(Organisation).where(Organisation.name == name)).one_or_none()
    if org is None:
        org = Organisation(name=name, municipality=found.name, created_at=now)
        session.add(org)
        session.flush()
    elif org.municipality != found.name:
        raise InviteError(f"{name!r} is registered in {org.municipality}, not {found.name}")
    return org


def create_invite(session: Session, org_name: str, municipality: str, now: datetime, *, days: int = 30,
                  created_by: str = "") -> tuple[str, OrganiserInvite]:
    org = organisation(session, org_name, municipality, now)
    code = new_code()
    invite = OrganiserInvite(code_hash=code_hash(code), hint=code[:4], organisation_id=org.id,
                             created_by=created_by[:64], created_at=now, expires_at=now + timedelta(days=days))
    session.add(invite)
    session.flush()
    return code, invite


@dataclass(frozen=True)
class Redeemed:
    outcome: str  # "ok" | "already" | "invalid"
    organisation: Organisation | None = None


def redeem(session: Session, person: Participant, code: str, now: datetime) -> Redeemed:
    digest = code_hash(code)
    if len(normalise(code)) != CODE_CHARS:
        return Redeemed("invalid")
    taken = session.execute(
        update(OrganiserInvite)
        .where(OrganiserInvite.code_hash == digest, OrganiserInvite.used_at.is_(None),
               OrganiserInvite.revoked_at.is_(None), OrganiserInvite.expires_at > now)
        .values(used_at=now, used_by=person.id).execution_options(synchronize_session=False)).rowcount
    if not taken:
        return Redeemed("invalid")
    invite = session.scalars(select(OrganiserInvite).where(OrganiserInvite.code_hash == digest)
                             .execution_options(populate_existing=True)).one()
    org = invite.organisation
    if session.get(OrganiserMembership, (person.id, org.id)) is not None:
        return Redeemed("already", org)
    session.add(OrganiserMembership(participant_id=person.id, organisation_id=org.id, invite_id=invite.id,
                                    granted_at=now))
    person.role = "organiser"
    session.flush()
    return Redeemed("ok", org)


def find_invite(session: Session, code_or_id: str) -> OrganiserInvite | None:
    if code_or_id.isascii() and code_or_id.isdigit():
        invite_id = parse_int(code_or_id)
        return session.get(OrganiserInvite, invite_id) if invite_id is not None else None
    return session.scalars(select(OrganiserInvite).where(OrganiserInvite.code_hash == code_hash(code_or_id))
                           ).one_or_none()


def revoke(session: Session, invite: OrganiserInvite, now: datetime) -> str:
    """Revoke an unused code; for a used one, take back the organiser rights it gave. Returns what was done."""
    if invite.revoked_at is not None:
        return "already revoked"
    invite.revoked_at = now
    if invite.used_at is None:
        return "revoked (it had not been used)"
    membership = session.scalars(select(OrganiserMembership)
                                 .where(OrganiserMembership.invite_id == invite.id)).one_or_none()
    if membership is None:
        return "revoked (the person who used it has left or was already removed)"
    person = session.get(Participant, membership.participant_id)
    session.delete(membership)
    session.flush()
    left = session.scalar(select(OrganiserMembership.organisation_id)
                          .where(OrganiserMembership.participant_id == membership.participant_id).limit(1))
    if person is not None and left is None and person.role == "organiser":
        person.role = "citizen"
    return f"revoked; the organiser rights it gave for {invite.organisation.name} are taken back"


def invite_state(invite: OrganiserInvite, now: datetime) -> str:
    if invite.revoked_at is not None:
        return "revoked"
    if invite.used_at is not None:
        return "used" if invite.used_by is not None else "used (person erased)"
    if aware(invite.expires_at) <= now:
        return "expired"
    return "open"
