"""Login links and sessions of the web dashboard: issue a link, redeem it once, keep a session alive."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.dashboard_models import DashboardLink, DashboardSession

LINK_VALID = timedelta(minutes=10)
IDLE = timedelta(minutes=30)
# At most this many links per person in RATE_WINDOW: a link in a chat is cheap to ask for, and a
# flood of them would only fill the table.
RATE_LIMIT, RATE_WINDOW = 5, timedelta(hours=1)
ROLES = ("facilitator", "organiser")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything here is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Who:
    """Whom a link or session is bound to."""

    role: str
    participant_id: int | None = None
    identity: str | None = None


def _same_person(model, who: Who):  # noqa: ANN001, ANN202
    if who.participant_id is not None:
        return model.participant_id == who.participant_id
    return model.identity == who.identity


def issue_link(session: Session, who: Who, lang: str, now: datetime) -> str | None:
    """A new one-time token for `who` (the caller commits), or None when they asked too often."""
    if who.role not in ROLES:
        raise ValueError(f"no dashboard for role {who.role!r}")
    recent = session.scalar(select(func.count()).select_from(DashboardLink).where(
        _same_person(DashboardLink, who), DashboardLink.created_at > now - RATE_WINDOW))
    if recent >= RATE_LIMIT:
        return None
    token = secrets.token_urlsafe(24)
    session.add(DashboardLink(token_hash=digest(token), role=who.role, participant_id=who.participant_id,
                              identity=who.identity, lang=lang, created_at=now, expires_at=now + LINK_VALID))
    return token


def link_state(session: Session, token: str, now: datetime) -> tuple[DashboardLink | None, str]:
    """(link, "ok") for a usable link, else (None, why) with why in unknown | used | expired."""
    link = session.scalar(select(DashboardLink).where(DashboardLink.token_hash == digest(token)))
    if link is None:
        return None, "unknown"
    if link.used_at is not None:
        return None, "used"
    if _aware(link.expires_at) <= now:
        return None, "expired"
    return link, "ok"


def redeem_link(session: Session, token: str, now: datetime) -> tuple[DashboardLink | None, str]:
    """Use a link once (link_state, and the link is spent)."""
    link, why = link_state(session, token, now)
    if link is not None:
        link.used_at = now
    return link, why


def open_session(session: Session, link: DashboardLink, now: datetime) -> str:
    """A session for the person the link was for; returns the cookie's secret."""
    token = secrets.token_urlsafe(32)
    session.add(DashboardSession(token_hash=digest(token), role=link.role, participant_id=link.participant_id,
                                 identity=link.identity, lang=link.lang, created_at=now, seen_at=now))
    return token


def live_session(session: Session, token: str, now: datetime) -> DashboardSession | None:
    """The session a cookie names, if not ended or idle too long; using it keeps it alive."""
    row = session.scalar(select(DashboardSession).where(DashboardSession.token_hash == digest(token)))
    if row is None or row.ended_at is not None:
        return None
    if _aware(row.seen_at) + IDLE <= now:
        row.ended_at = now
        return None
    row.seen_at = now
    return row


def end_session(row: DashboardSession, now: datetime) -> None:
    row.ended_at = now


def open_sessions(session: Session, now: datetime) -> list[DashboardSession]:
    """Sessions neither ended nor idle (for `samtale web sessions`)."""
    rows = session.scalars(select(DashboardSession).where(
        DashboardSession.ended_at.is_(None)).order_by(DashboardSession.id)).all()
    return [r for r in rows if _aware(r.seen_at) + IDLE > now]


def revoke(session: Session, session_id: int | None, now: datetime) -> int:
    """End one session (by id) or all (None); returns how many were open."""
    query = select(DashboardSession).where(DashboardSession.ended_at.is_(None))
    if session_id is not None:
        query = query.where(DashboardSession.id == session_id)
    rows = session.scalars(query).all()
    for r in rows:
        r.ended_at = now
    return len(rows)

