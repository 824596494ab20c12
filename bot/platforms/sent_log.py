"""Where the bot's replies that showed a person's data went, noted in batches so /forget can delete them.

One commit per reply halved Telegram throughput on SQLite (bench/telegram_throughput.py: ~950 → ~450
updates/s), so the ids wait here for at most `every` seconds and are written together. An erasure that
comes before the write takes the person's waiting ids straight from here (`take`), so nothing it should
delete is missed; a crash in that second loses only the ids, never a reply or what the person wrote.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from handlers.core.types import SentMessage
from storage.clock import Clock
from storage.message_queries import record_personal_messages

log = logging.getLogger(__name__)


class SentLog:
    def __init__(self, sessions: sessionmaker[Session], platform: str, clock: Clock, *, every: float = 1.0,
                 most: int = 500) -> None:
        self.sessions = sessions
        self.platform = platform
        self.clock = clock
        self.every = every
        self.most = most
        self._waiting: list[tuple[str, str, str, datetime]] = []  # (user id, chat id, message id, sent at)
        self._timer: asyncio.TimerHandle | None = None

    def add(self, user_id: str, chat_id: str, message_ids: Iterable[str]) -> None:
        now = self.clock()
        self._waiting.extend((user_id, chat_id, str(m), now) for m in message_ids)
        if len(self._waiting) >= self.most:
            self.flush()
        elif self._timer is None and self._waiting:
            self._timer = asyncio.get_running_loop().call_later(self.every, self.flush)

    def take(self, user_id: str) -> list[SentMessage]:
        """The person's ids not written yet, for an erasure running now; they will not be written."""
        mine = [w for w in self._waiting if w[0] == user_id]
        self._waiting = [w for w in self._waiting if w[0] != user_id]
        return [SentMessage(chat, message, at) for _, chat, message, at in mine]

    def flush(self) -> None:
        """Write what waits, in one transaction (on the event loop, beside the dispatcher's writes)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        try:
            with self.sessions() as session:
                for user_id, chat_id, message_id, at in waiting:
                    record_personal_messages(session, self.platform, user_id, chat_id, (message_id,), at)
                session.commit()
        except Exception:  # noqa: BLE001 - the replies are out; a failed note must not stop the sender
            log.exception("%s: could not record %d personal messages for erasure", self.platform, len(waiting))
