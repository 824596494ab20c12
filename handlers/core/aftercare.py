"""For a while after a crisis reply, every message gets one short line with the helplines.

No receipts, no buttons, no forms, and nothing stored of what they write: a person who has just written
something dark should not meet "Tak, det har jeg gemt" or a consent form. Commands and button presses
still work, so /start, /help or /menneske are answered as usual. A new crisis message always gets the
full crisis reply and starts the window again.

The window is a row in `aftercare_windows` (storage/care_models.py), so a restart or a second process
keeps it. Its key is a keyed hash of the platform and user id (the dispatcher's secret), not the
participant: someone who never said yes has no participant row, and none is made for this. A row is
deleted once its window has passed (whenever a new window begins), so the table holds only the people
in one now.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.care_models import AftercareWindow

# Young people (and those whose age we do not know) are also told about BørneTelefonen.
YOUNG_BANDS = frozenset({"u15", "15-17"})
WINDOW = timedelta(hours=1)


def is_young(age_band: str | None) -> bool:
    return age_band is None or age_band in YOUNG_BANDS


def care_key(secret: bytes, platform: str, user_id: str) -> str:
    # "care|" keeps these keys apart from the dedupe keys made with the same secret.
    return hmac.new(secret, f"care|{platform}|{user_id}".encode(), hashlib.sha256).hexdigest()


def open_windows(session: Session, keys: Iterable[str], now: datetime) -> set[str]:
    """Which of these people are in an aftercare window now (one query for a whole batch)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(session.scalars(select(AftercareWindow.key).where(
        AftercareWindow.key.in_(wanted), AftercareWindow.until > now)))


def begin(session: Session, key: str, now: datetime, window: timedelta = WINDOW) -> None:
    """Start (or restart) the window; windows that have passed are deleted on the way."""
    session.execute(delete(AftercareWindow).where(AftercareWindow.until <= now)
                    .execution_options(synchronize_session=False))
    session.merge(AftercareWindow(key=key, until=now + window))
