"""One chat in order, many chats at once: PTB's concurrent updates, kept in order per chat, in two stages.

Each update of a chat gets a `ChatTurn` behind the previous update of that chat. It may enter the
core once the previous one has *been through the core*, and send its replies once the previous one
has *sent* its replies. So a person's messages are handled and answered in the order they wrote
them, while their second message can already join the dispatcher's next group commit as the first
reply is still on its way — instead of trickling in one by one, each with its own fsync.

A chat waiting out its own rate limit keeps its later replies behind it (they are handed to a sender
only when `when_may_send` says so), and nothing else: other chats go on.
"""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def order_key(update: object) -> int | None:
    """The chat an update belongs to (a private chat's id is the person's); None: no order to keep."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else None


class ChatTurn:
    """One update's place in its chat's line."""

    __slots__ = ("previous", "dispatched", "sent", "handed_over", "_on_finish")

    def __init__(self, previous: ChatTurn | None, on_finish: Callable[[ChatTurn], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        self.previous = previous
        self.dispatched: asyncio.Future[None] = loop.create_future()
        self.sent: asyncio.Future[None] = loop.create_future()
        # True once the handler has passed the replies on (to a sender), which then finishes the turn.
        self.handed_over = False
        self._on_finish = on_finish

    async def may_dispatch(self) -> None:
        """Wait until the chat's previous update has been through the core."""
        if self.previous is not None and not self.previous.dispatched.done():
            # asyncio.wait, not await: cancelling this update must not cancel the one before it.
            await asyncio.wait((self.previous.dispatched,))

    def done_dispatching(self) -> None:
        if not self.dispatched.done():
            self.dispatched.set_result(None)

    async def may_send(self) -> None:
        """Wait until the chat's previous update has sent its replies."""
        if self.previous is not None and not self.previous.sent.done():
            await asyncio.wait((self.previous.sent,))

    def when_may_send(self, go: Callable[[], None]) -> None:
        """Call `go` once the chat's previous update has sent its replies (at once if it has).

        A callback, not a wait: a reply queued behind its chat's earlier one (which may be waiting out
        the chat's 429) must not hold one of the few senders every chat shares while it waits.
        """
        previous = self.previous
        if previous is None or previous.sent.done():
            go()
        else:
            previous.sent.add_done_callback(lambda _: go())

    def finish(self) -> None:
        self.done_dispatching()
        if not self.sent.done():
            self.sent.set_result(None)
        self.previous = None  # the line behind us must not keep the whole history alive
        if self._on_finish is not None:
            self._on_finish(self)
            self._on_finish = None


class PerChatProcessor(BaseUpdateProcessor):
    """Runs updates concurrently (up to `max_concurrent_updates`), giving each a ChatTurn.

    The handler looks its turn up with `turn_for(update)` and waits at the two stages; an update
    whose handler never asks (a membership change) simply passes its turn on when it finishes. A
    handler may hand the turn over (`handed_over`) to whoever sends the replies later; that one
    calls `finish()`, and until then the chat's next update still waits behind it to send.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, ChatTurn] = {}
        self._turns: dict[int, ChatTurn] = {}

    def turn_for(self, update: Update) -> ChatTurn | None:
        return self._turns.get(id(update))

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await coroutine
            return
        # Taken before the first await, so turns are given in the order PTB hands updates over.
        turn = ChatTurn(self._last.get(key), lambda done: self._release(key, done))
        self._last[key] = turn
        self._turns[id(update)] = turn
        try:
            await coroutine
        finally:
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # cancelled before it started (shutdown)
            del self._turns[id(update)]
            turn.done_dispatching()
            if not turn.handed_over:
                turn.finish()

    def _release(self, key: int, turn: ChatTurn) -> None:
        if self._last.get(key) is turn:
            del self._last[key]

    @property
    def chats_in_flight(self) -> int:
        return len(self._last)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
