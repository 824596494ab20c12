"""Long polling that confirms to Telegram only what is stored: the getUpdates offset moves past an
update once its handling (the dispatcher's commit) is done, never when it is merely fetched.

PTB's Updater moves the offset past every update it has fetched, so a process killed with updates in
hand loses them. Here many updates are in hand at once (different chats go ahead of each other) and
the offset is the oldest update not yet done: after a kill Telegram gives the unfinished ones again,
and the dispatcher's deduplication absorbs the few that were in fact stored.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)


class CommittedPolling:
    """`run()` polls until cancelled (or the token is refused: InvalidToken); `finish()` settles the offset."""

    def __init__(self, application: Application, *, allowed_updates: Sequence[str], timeout: float) -> None:
        self.application = application
        self.allowed_updates = list(allowed_updates)
        self.timeout = timeout
        self.offset: int | None = None  # the oldest update not yet confirmed (all below it are done)
        self._in_hand: set[int] = set()  # fetched, not done
        self._seen: set[int] = set()  # fetched at or above the offset (done or in hand)
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        bot = self.application.bot
        await bot.delete_webhook()
        failures = 0
        while True:
            try:
                updates = await bot.get_updates(offset=self._next_offset(), timeout=timedelta(seconds=self.timeout),
                                                allowed_updates=self.allowed_updates)
                failures = 0
            except InvalidToken:
                raise
            except TelegramError as exc:  # a network error, another poller, Telegram away
                failures += 1
                wait = min(0.5 * 2 ** failures, 30.0)
                log.info("telegram: getUpdates failed (%s); again in %.1fs", type(exc).__name__, wait)
                await asyncio.sleep(wait)
                continue
            for update in updates:
                if update.update_id in self._seen or (self.offset is not None and update.update_id < self.offset):
                    continue  # still in hand, or done and not yet confirmed
                self._seen.add(update.update_id)
                self._in_hand.add(update.update_id)
                task = asyncio.create_task(self._process(update), name="telegram-update")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _process(self, update: Update) -> None:
        try:
            await self.application.update_processor.process_update(update, self.application.process_update(update))
        finally:
            self._in_hand.discard(update.update_id)

    def _next_offset(self) -> int | None:
        """Past every update that is done and has no undone one before it."""
        if self._seen:
            self.offset = min(self._in_hand) if self._in_hand else max(self._seen) + 1
            self._seen = {u for u in self._seen if u >= self.offset}
        return self.offset

    async def finish(self, timeout: float) -> None:
        """At a stop: let the updates in hand finish, then confirm them, so a restart does not fetch them again."""
        if self._tasks:
            done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        offset = self._next_offset()
        if offset is None:
            return
        try:
            await self.application.bot.get_updates(offset=offset, timeout=timedelta(0), limit=1,
                                                   allowed_updates=self.allowed_updates)
        except TelegramError as exc:  # unconfirmed: they come again, and deduplication absorbs them
            log.debug("telegram: could not confirm the last updates: %s", type(exc).__name__)
