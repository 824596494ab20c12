"""Recording and taking the ids of the bot's messages that show something of a person."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.campaign_models import SENT, OutboxMessage
from storage.message_models import PlatformMessage
from storage.models import Participant
from storage.repo import find_participant

# How long a platform lets a bot delete its own message; past it the id serves nothing and is not kept.
DELETABLE_FOR = {"telegram": timedelta(hours=48)}


def record_personal_messages(session: Session, platform: str, external_id: str, chat_id: str,
                             message_ids: Iterable[str], now: datetime) -> int:
    """Remember where personal replies went (the caller commits). Nothing for someone not stored:
    a person without a participant row has nothing to erase, and we keep nothing of them."""
    ids = list(message_ids)
    participant = find_participant(session, platform, external_id) if ids else None
    if participant is None:
        return 0
    session.add_all(PlatformMessage(participant_id=participant.id, chat_id=chat_id, message_id=str(m), sent_at=now)
                    for m in ids)
    return len(ids)


def take_personal_messages(session: Session, participant: Participant) -> list[tuple[str, str, datetime]]:
    """The person's recorded messages as (chat id, message id, sent at), oldest first, and forget them.

    Two sources: direct replies the adapters recorded, and personal notices the outbox sent (an event
    notice's row keeps the id of the message it became; the person's contact says which chat).
    """
    rows = session.execute(
        select(PlatformMessage.chat_id, PlatformMessage.message_id, PlatformMessage.sent_at)
        .where(PlatformMessage.participant_id == participant.id).order_by(PlatformMessage.id)).all()
    session.execute(delete(PlatformMessage).where(PlatformMessage.participant_id == participant.id))
    found = [(r.chat_id, r.message_id, r.sent_at) for r in rows]
    chat = participant.contact.chat_id if participant.contact is not None else None
    sent = session.execute(
        select(OutboxMessage.id, OutboxMessage.platform_message_id, OutboxMessage.sent_at, OutboxMessage.payload)
        .where(OutboxMessage.participant_id == participant.id, OutboxMessage.status == SENT,
               OutboxMessage.platform_message_id.is_not(None))).all()
    personal = [r for r in sent if (r.payload or {}).get("personal")]
    if personal and chat is not None:
        found += [(chat, r.platform_message_id, r.sent_at) for r in personal]
    if personal:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in personal]))
                        .values(platform_message_id=None).execution_options(synchronize_session=False))
    return found


def forget_undeletable(session: Session, now: datetime) -> int:
    """Drop ids of messages the platform no longer lets the bot delete (Telegram: after 48 hours); the
    caller commits. Returns how many."""
    gone = 0
    for platform, window in DELETABLE_FOR.items():
        people = select(Participant.id).where(Participant.platform == platform)
        result = session.execute(delete(PlatformMessage).where(PlatformMessage.participant_id.in_(people),
                                                              PlatformMessage.sent_at < now - window)
                                 .execution_options(synchronize_session=False))
        gone += result.rowcount or 0
    return gone
