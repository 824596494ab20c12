"""Chats waiting out their own limit: a batch that must wait is parked here, holding no sender.

A 429 with `retry_after`, or a backoff after a 5xx or a dropped connection, concerns one chat. The
adapter's senders are few and every chat shares them, so a sender never sleeps on one: the chat's
batch is parked here (a small task per waiting chat sleeps, then hands the batch back to the
senders' queue) and the sender takes the next job. Later replies of that chat stay behind it (their
ChatTurn waits for it); other chats go on.

Telegram's flood limit is also platform-wide: 429s on several chats within a moment mean the bot as a
whole is too fast. Then bulk (the outbox worker, which shares this process's RateLimiter) is paused
for the retry_after first, so the people talking to the bot keep what capacity there is.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Hashable

from bot.delivery.pacing import RateLimiter
from bot.platforms.telegram.outbound import Sleep

log = logging.getLogger(__name__)


class ChatWaits:
    """The chats waiting now, each with the task that hands its batch back when the wait is over."""

    def __init__(self, sleep: Sleep = asyncio.sleep, bulk: RateLimiter | None = None, *, flood_chats: int = 3,
                 flood_window: float = 1.0) -> None:
        self.sleep = sleep
        self.bulk = bulk
        self.flood_chats = flood_chats
        self.flood_window = flood_window
        self._waiting: dict[Hashable, asyncio.Task[None]] = {}
        self._recent: deque[tuple[float, int | str]] = deque()  # (loop time, chat) of recent 429s
        self.floods = 0  # times bulk was paused for a platform-wide flood limit
        self._bulk_paused_until = 0.0  # loop time

    def __len__(self) -> int:
        return len(self._waiting)

    def park(self, key: Hashable, seconds: float, resume: Callable[[], None], *, chat: int | str,
             rate_limited: bool) -> None:
        """Call `resume` after `seconds`, from a task of this chat's own (cancelled by `close`)."""
        self._waiting[key] = asyncio.create_task(self._wait(key, seconds, resume), name="telegram-chat-wait")
        if rate_limited:
            self._note_429(chat, seconds)

    async def _wait(self, key: Hashable, seconds: float, resume: Callable[[], None]) -> None:
        try:
            await self.sleep(seconds)
        finally:
            self._waiting.pop(key, None)
        resume()

    def _note_429(self, chat: int | str, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        recent = self._recent
        recent.append((now, chat))
        while recent and recent[0][0] < now - self.flood_window:
            recent.popleft()
        if self.bulk is None or now + seconds <= self._bulk_paused_until + self.flood_window:
            return  # already paused about that long: one pause per flood, not one per chat
        chats = len({c for _, c in recent})
        if chats >= self.flood_chats:
            # Many chats at once: the platform-wide limit. Bulk can wait; people writing to us cannot.
            self.bulk.pause(seconds)
            self._bulk_paused_until = now + seconds
            self.floods += 1
            log.info("telegram: 429 on %d chats within %.0fs; bulk paused %.1fs", chats, self.flood_window, seconds)

    async def close(self) -> int:
        """Cancel every wait (nothing is resumed); returns how many chats were waiting."""
        tasks = list(self._waiting.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._waiting.clear()
        return len(tasks)
