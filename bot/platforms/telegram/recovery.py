"""Durable replies on Telegram: the rows this process holds, and the loop that sends what a dead one left.

The dispatcher stores each reply with what it answers (handlers/core/kept.py), claimed by this process
for `lease`. Once the senders have sent it, `KeptReplies.sent` forgets the row — in batches, as
bot/platforms/sent_log.py writes ids, because one commit per reply costs throughput; a crash in that
second sends those replies again (the at-least-once window, docs/architecture.md). At a stop the rows
not sent are released, so the next process sends them at once; after a crash their leases run out and
`recover_forever` in any live process claims and sends them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update

from bot.platforms.telegram.inbound import PLATFORM
from bot.platforms.sent_log import SentLog
from bot.platforms.telegram.outbound import RetryPolicy, Sleep, send_intents
from handlers.core.dispatch import Dispatcher
from handlers.core.kept import Keep, unpack
from handlers.core.types import CloseButtons, Incoming, Intent
from storage.clock import Clock
from storage.db import writer
from storage.reply_queries import claim_expired, forget_replies, release_replies, renew_claims

log = logging.getLogger(__name__)


class TelegramAdapter(Protocol):
    """What sending a recovered reply needs of the adapter (bot/platforms/telegram/adapter.py), named here
    so this module, which the adapter imports, does not import it back."""

    unreachable: set[int]
    policy: RetryPolicy
    sleep: Sleep
    sent_log: SentLog

    def _toast(self, intents: list[Intent]) -> str | None: ...

    def _extra_buttons(self, incoming: Incoming) -> Any: ...

    def chat_unreachable(self, chat_id: int) -> None: ...


def render_context(update: Update, incoming: Incoming, last_keyboard: int | None) -> dict[str, Any]:
    """What sending the reply needs later, when the update object is long gone."""
    message, query = update.message, update.callback_query
    # The keyboard a CloseButtons closes: the one pressed, or (typed text) the last one in a private chat.
    pressed = query.message.message_id if query is not None and query.message is not None else \
        last_keyboard if incoming.chat_type == "private" else None
    return {"chat_type": incoming.chat_type, "user_id": incoming.user_id, "locale": incoming.locale_hint,
            "pressed": pressed, "press": update.callback_query is not None,
            "reply_to": message.message_id if incoming.chat_type != "private" and message is not None else None}


class KeptReplies:
    """The kept rows this process is sending; forgets sent ones in batches, releases the rest at a stop."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, *, lease: timedelta = timedelta(seconds=60),
                 every: float = 0.1, most: int = 500) -> None:
        self.sessions = sessions
        self.clock = clock
        self.lease = lease
        self.every = every
        self.most = most
        self.holding: set[int] = set()
        # Set at a stop: recovery finishes the reply it is sending and takes no more (cancelling it
        # mid-send would leave a reply that went out to be sent again by the next process).
        self.stopping = False
        self.recovering = False  # recover_forever is sending (not sleeping between rounds)
        self._sent: list[int] = []
        self._timer: asyncio.TimerHandle | None = None

    def keep(self, update: Update, incoming: Incoming, last_keyboard: int | None) -> Keep:
        return Keep(render_context(update, incoming, last_keyboard), self.lease)

    def hold(self, reply_id: int | None) -> None:
        if reply_id is not None:
            self.holding.add(reply_id)

    def sent(self, reply_id: int | None) -> None:
        """Sent (or beyond sending: the chat blocked us): the row goes with the next batch."""
        if reply_id is None:
            return
        self.holding.discard(reply_id)
        self._sent.append(reply_id)
        if len(self._sent) >= self.most:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.every, self.flush)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        done, self._sent = self._sent, []
        if not done:
            return
        try:
            with writer(self.sessions()) as session:
                forget_replies(session, done)
                session.commit()
        except Exception:  # noqa: BLE001 - the replies are out; the rows' leases run out, sent again at worst
            log.exception("telegram: could not forget %d sent replies", len(done))

    def renew(self) -> None:
        """Keep holding what is still being sent, so a slow send is not taken for a dead process's."""
        held = list(self.holding)
        if not held:
            return
        with writer(self.sessions()) as session:
            renew_claims(session, held, self.clock(), self.lease)
            session.commit()

    def release(self) -> int:
        """At a stop: what was sent is forgotten, what was not is left for the next process, at once."""
        self.flush()
        held, self.holding = self.holding, set()
        if not held:
            return 0
        try:
            with writer(self.sessions()) as session:
                released = release_replies(session, held)
                session.commit()
        except Exception:  # noqa: BLE001 - not released, they are still sent once their leases run out
            log.exception("telegram: could not release %d kept replies", len(held))
            return 0
        log.warning("telegram: stopping with %d replies unsent; kept for the next process", released)
        return released


async def through_core(dispatcher: Dispatcher, kept: KeptReplies | None, update: Update, incoming: Incoming,
                       last_keyboard: int | None) -> tuple[list[Intent], int | None]:
    """The dispatcher's intents for an update, and (with `kept`) the id of the row that keeps them."""
    ref = f"telegram update {update.update_id}"
    if kept is None:
        return await dispatcher.handle(incoming, ref=ref), None
    handled = await dispatcher.handle_kept(incoming, kept.keep(update, incoming, last_keyboard), ref=ref)
    kept.hold(handled.reply_id)
    return handled.intents, handled.reply_id


def recovered_intents(intents: list[Intent], render: dict[str, Any], toast: Callable[[list[Intent]], str | None]) \
        -> list[Intent]:
    """A press's toast is moot by now (Telegram answers a press for ~15 s): only its keyboard goes."""
    if render.get("press") and toast(intents) is not None:
        return [CloseButtons()]
    return intents


async def send_kept(adapter: TelegramAdapter, bot: Bot, chat_id: str, data: dict[str, Any]) -> None:
    """Send one kept reply without the update it answered (a process died before sending it)."""
    intents, render = unpack(data)
    intents = recovered_intents(intents, render, adapter._toast)
    chat = int(chat_id)
    if not intents or chat in adapter.unreachable:
        return
    incoming = Incoming(platform=PLATFORM, chat_id=chat_id, user_id=str(render.get("user_id") or chat_id),
                        chat_type=render.get("chat_type") or "private", locale_hint=render.get("locale"))
    delivery = await send_intents(bot, chat, intents, pressed_message_id=render.get("pressed"),
                                  reply_to=render.get("reply_to"), extra_buttons=adapter._extra_buttons(incoming),
                                  policy=adapter.policy, sleep=adapter.sleep)
    if incoming.chat_type == "private" and delivery.personal:
        adapter.sent_log.add(incoming.user_id, chat_id, (str(m) for m in delivery.personal))
    if delivery.unreachable:
        adapter.chat_unreachable(chat)


async def send_expired(adapter: TelegramAdapter, bot: Bot, kept: KeptReplies, *, limit: int = 50) -> int:
    """Claim the rows whose sender died and send them; how many were claimed."""
    with writer(kept.sessions()) as session:
        rows = [(r.id, r.chat_id, r.payload) for r in claim_expired(session, PLATFORM, kept.clock(), kept.lease, limit)]
        session.commit()
    for reply_id, chat_id, data in rows:
        kept.hold(reply_id)
        if kept.stopping:
            continue  # held, so released at the stop: the next process sends it
        try:
            await send_kept(adapter, bot, chat_id, data)
        except Exception:  # noqa: BLE001 - a reply that cannot be read or sent must not block the others
            log.exception("telegram: a kept reply could not be sent; dropped")
        kept.sent(reply_id)
    return len(rows)


async def recover_forever(adapter: TelegramAdapter, bot: Bot, kept: KeptReplies, *, every: float = 5.0,
                          sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
    """What a crashed process left: sent from here, a little after its leases ran out. A few rows a
    round, so what this process claimed is sent well within its lease."""
    while not kept.stopping:
        kept.recovering = True
        try:
            while not kept.stopping and await send_expired(adapter, bot, kept, limit=10):
                pass
        except Exception:  # noqa: BLE001 - e.g. the database away for a moment: try again next round
            log.exception("telegram: recovering kept replies failed")
        finally:
            kept.recovering = False
        await sleep(every)


async def renew_forever(kept: KeptReplies, *, every: float,
                        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
    """The leases of what this process still holds (queued behind a slow API or a 429), renewed on
    their own clock, so a live but slow send is never taken for a dead process's."""
    while True:
        await sleep(every)
        try:
            kept.renew()
        except Exception:  # noqa: BLE001 - the next round tries again; a lease that runs out meanwhile
            log.exception("telegram: renewing kept replies failed")  # costs a resend, not a loss
