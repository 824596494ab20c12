"""The one writer of outbox rows: a message, or one message to many; imports sqlalchemy and storage only.

Every row has a unique dedupe key "<kind>:<ref>:<participant>" and is inserted or nothing, so a second
broadcast, a rerun or a race adds nothing. What to send comes as a reply read by attribute (text,
button rows, share): storage never imports the handlers' types. The caller commits.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import JSON, Select, String, cast, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.campaign_models import PRIORITY_BULK, PRIORITY_NORMAL, QUEUED, OutboxMessage
from storage.models import Participant

# SQLAlchemy reports rowcount for INSERT only when asked to keep it.
_ROWCOUNT = {"preserve_rowcount": True}


class ReplyLike(Protocol):
    """What a row can carry: handlers' Reply has this shape (label and action on each button)."""

    @property
    def text(self) -> str: ...

    @property
    def buttons(self) -> Sequence[Sequence[Any]]: ...


def dedupe_key(kind: str, ref: str, participant_id: int) -> str:
    return f"{kind}:{ref}:{participant_id}"


def reply_payload(reply: ReplyLike) -> dict:
    """The row's JSON: {"text", "buttons": [[[label, action], …], …], "share": {…} only when there is one}."""
    if not hasattr(reply, "text") or not hasattr(reply, "buttons"):
        raise TypeError(f"the outbox sends replies, not {type(reply).__name__}")
    payload: dict = {"text": reply.text, "buttons": [[[b.label, b.action] for b in row] for row in reply.buttons]}
    share = getattr(reply, "share", None)
    if share is not None:
        payload["share"] = dataclasses.asdict(share)
    if getattr(reply, "personal", False):
        payload["personal"] = True  # erasure deletes the sent message from the chat (message_queries)
    return payload


def _insert_for(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def enqueue(session: Session, *, kind: str, ref: str, participant_id: int, platform: str, intent: ReplyLike,
            now: datetime, available_at: datetime | None = None, priority: int = PRIORITY_NORMAL,
            quiet: bool = False, day: str | None = None) -> bool:
    """Queue one message; False if a message with the same (kind, ref, person) exists already.

    E.g. event reminders (kind="reminder", ref=event id, quiet=True), an interactive notice
    (priority=PRIORITY_INTERACTIVE, quiet=False).
    """
    stmt = _insert_for(session)(OutboxMessage.__table__).values(
        dedupe_key=dedupe_key(kind, ref, participant_id), kind=kind, ref=ref, participant_id=participant_id,
        platform=platform, priority=priority, status=QUEUED, quiet=quiet, day=day,
        payload=reply_payload(intent), attempts=0, available_at=(available_at or now).astimezone(timezone.utc),
        created_at=now.astimezone(timezone.utc),
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return (session.execute(stmt, execution_options=_ROWCOUNT).rowcount or 0) > 0


def enqueue_selected(session: Session, participants: Select, *, kind: str, ref: str, intent: ReplyLike,
                     now: datetime, available_at: datetime, priority: int = PRIORITY_BULK, quiet: bool = True,
                     day: str | None = None) -> int:
    """Queue one message for every participant `participants` selects (its columns are replaced); returns
    how many rows are new.

    One INSERT … SELECT … ON CONFLICT DO NOTHING, so 50,000 rows take one round trip.
    """
    rows = participants.with_only_columns(
        # The same key as dedupe_key(), built in SQL.
        (literal(f"{kind}:{ref}:") + cast(Participant.id, String)).label("dedupe_key"),
        literal(kind).label("kind"),
        literal(ref).label("ref"),
        Participant.id.label("participant_id"),
        Participant.platform.label("platform"),
        literal(priority).label("priority"),
        literal(QUEUED).label("status"),
        literal(quiet).label("quiet"),
        literal(day, String).label("day"),
        literal(reply_payload(intent), JSON).label("payload"),
        literal(0).label("attempts"),
        literal(available_at.astimezone(timezone.utc), OutboxMessage.available_at.type).label("available_at"),
        literal(now.astimezone(timezone.utc), OutboxMessage.created_at.type).label("created_at"),
    )
    stmt = _insert_for(session)(OutboxMessage.__table__).from_select(
        ["dedupe_key", "kind", "ref", "participant_id", "platform", "priority", "status", "quiet", "day",
         "payload", "attempts", "available_at", "created_at"], rows,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(stmt, execution_options=_ROWCOUNT).rowcount or 0
