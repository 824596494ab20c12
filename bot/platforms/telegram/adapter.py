"""The Telegram adapter proper: each update → the dispatcher → native replies, one chat in order."""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, CallbackQuery, ChatMember, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.platforms.sent_log import SentLog
from bot.platforms.telegram.inbound import PLATFORM, START_PAYLOAD, to_incoming
from bot.platforms.telegram.ordering import ChatTurn, PerChatProcessor
from bot.platforms.telegram.outbound import RetryPolicy, Sleep, send_intents, start_link, url_button
from content.i18n import catalog, normalise_language
from handlers.core.context import Registry
from handlers.core.dispatch import Dispatcher
from handlers.core.types import CloseButtons, DeleteMessages, Incoming, Intent, Reply, ReplyKind
from storage.clock import Clock, system_clock
from storage.repo import mark_unreachable

log = logging.getLogger(__name__)

# The payload of the deep link offered in groups: t.me/<bot>?start=group.
GROUP_PAYLOAD = "group"
_TOAST_LIMIT = 200
# Private chats whose last keyboard we remember (so typed text can close it); the oldest are forgotten.
_KEYBOARDS_REMEMBERED = 50_000


@dataclass(slots=True)
class _Job:
    """Replies to one update, waiting for a sender."""

    update: Update
    bot: Bot
    incoming: Incoming | None
    chat_id: int
    intents: list[Intent]
    query: CallbackQuery | None
    turn: ChatTurn | None


class TelegramAdapter:
    """Turns updates into Incomings for the shared dispatcher and renders what it returns."""

    def __init__(self, dispatcher: Dispatcher, sessions: sessionmaker[Session], *, routes: Registry | None = None,
                 bot_username: str | None = None, policy: RetryPolicy = RetryPolicy(), sleep: Sleep = asyncio.sleep,
                 default_language: str = "da", connections: int = 8,
                 ordering: PerChatProcessor | None = None, clock: Clock = system_clock) -> None:
        self.dispatcher = dispatcher
        self.sessions = sessions
        self.routes = routes if routes is not None else dispatcher.routes
        self.bot_username = bot_username
        self.policy = policy
        self.sleep = sleep
        self.default_language = default_language
        self.ordering = ordering
        self.clock = clock
        self.sent_log = SentLog(sessions, PLATFORM, clock)
        # Many updates may be in the core at once (the dispatcher commits them together), but only
        # `connections` senders make Bot API calls: more costs the HTTP client more than it gives, and
        # Telegram allows ~30 messages/s anyway. An update leaves PTB's hands once through the core,
        # so replies waiting for a sender never keep the next messages from the dispatcher.
        self.connections = connections
        self._outbox: asyncio.Queue[_Job] = asyncio.Queue()
        self._senders: set[asyncio.Task[None]] = set()
        # Chats that answered 403: nothing more is sent to them until they write to us again.
        self.unreachable: set[int] = set()
        # chat id → the message carrying the last keyboard we sent there (private chats only).
        self.last_keyboard: OrderedDict[int, int] = OrderedDict()
        # Updates fully handled (replies sent), for benchmarks and for tests that wait for quiet.
        self.handled = 0
        self._progress: asyncio.Event | None = None

    # -- inbound: through the core, in each chat's order -----------------------------------------
    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        queued = False
        try:
            queued = await self._on_update(update, context)
        finally:
            if not queued:
                self._count_handled()

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Through the core; the replies are queued for the senders. True if something was queued."""
        if update.my_chat_member is not None:
            self._membership_changed(update)
            return False
        incoming = to_incoming(update, bot_username=self.bot_username, routes=self.routes)
        query = update.callback_query
        turn = self.ordering.turn_for(update) if self.ordering is not None else None
        if incoming is None:
            if query is None:
                return False
            # A press we don't handle: still stop its spinner, in its place in the chat's line.
            return self._queue(_Job(update, context.bot, None, 0, [], query, turn))
        chat = update.effective_chat
        assert chat is not None
        self.unreachable.discard(chat.id)  # they wrote to us, so we can write to them
        if turn is not None:
            await turn.may_dispatch()
        try:
            intents = await self.dispatcher.handle(incoming)
        finally:
            if turn is not None:
                turn.done_dispatching()
        return self._queue(_Job(update, context.bot, incoming, chat.id, intents, query, turn))

    # -- outbound: a few senders, each chat's replies in order ------------------------------------
    def _queue(self, job: _Job) -> bool:
        if job.turn is not None:
            job.turn.handed_over = True  # the sender finishes the turn once the replies are out
        self._outbox.put_nowait(job)
        while len(self._senders) < self.connections:
            self._senders.add(asyncio.create_task(self._sender(), name="telegram-sender"))
        return True

    async def _sender(self) -> None:
        while True:
            job = await self._outbox.get()
            try:
                if job.turn is not None:
                    await job.turn.may_send()
                await self._deliver(job)
            except Exception:  # noqa: BLE001 - one failed delivery must not stop the sender
                log.exception("telegram: delivering replies failed")
            finally:
                if job.turn is not None:
                    job.turn.finish()
                self._outbox.task_done()
                self._count_handled()

    async def drain(self, timeout: float = 15.0) -> None:
        """Send what is already through the core (for at most `timeout` s), then stop the senders."""
        if self._senders:
            try:
                async with asyncio.timeout(timeout):
                    await self._outbox.join()
            except TimeoutError:
                # E.g. a long 429: what was stored stays stored; only these receipts are not sent.
                log.warning("telegram: stopping with %d replies unsent", self._outbox.qsize())
        self.sent_log.flush()
        for task in self._senders:
            task.cancel()
        await asyncio.gather(*self._senders, return_exceptions=True)
        self._senders.clear()
        while not self._outbox.empty():
            job = self._outbox.get_nowait()
            if job.turn is not None:
                job.turn.finish()
            self._outbox.task_done()

    def _count_handled(self) -> None:
        self.handled += 1
        if self._progress is not None:
            self._progress.set()

    async def wait_handled(self, n: int, timeout: float = 10.0) -> None:
        """Wait until at least `n` updates have been handled (replies sent) since start."""
        async with asyncio.timeout(timeout):
            while self.handled < n:
                if self._progress is None:
                    self._progress = asyncio.Event()
                self._progress.clear()
                await self._progress.wait()

    async def _deliver(self, job: _Job) -> None:
        intents, query, chat_id = job.intents, job.query, job.chat_id
        if job.incoming is None:
            if query is not None:
                await self._answer(query, None)
            return
        private = job.incoming.chat_type == "private"
        if query is not None:
            toast = self._toast(intents)
            if toast is not None:
                # A stale button never works again: its keyboard goes, whatever the core asked.
                intents = [CloseButtons()]
            await self._answer(query, toast)
            pressed = query.message.message_id if query.message is not None else None
        else:
            # A typed answer (a municipality) can also spend the keyboard shown last: close that one.
            pressed = self.last_keyboard.get(chat_id) if private else None
        if not intents or chat_id in self.unreachable:
            return
        message = job.update.message
        reply_to = message.message_id if not private and message is not None else None
        if any(isinstance(i, Reply) and i.kind is ReplyKind.CRISIS_OFFER for i in intents):
            reply_to = None  # never threaded to crisis words: that would point at what was said
        intents = [self._with_waiting_ids(i, job.incoming.user_id) if isinstance(i, DeleteMessages) else i
                   for i in intents]
        delivery = await send_intents(job.bot, chat_id, intents, pressed_message_id=pressed, reply_to=reply_to,
                                      extra_buttons=self._extra_buttons(job.incoming), policy=self.policy,
                                      sleep=self.sleep)
        if private and delivery.personal:
            self.sent_log.add(job.incoming.user_id, str(chat_id), (str(m) for m in delivery.personal))
        if delivery.unreachable:
            self.chat_unreachable(chat_id)
        elif private:
            self._remember_keyboard(chat_id, delivery.results)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler: log (never the content: it is someone's words) and carry on."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)

    def _membership_changed(self, update: Update) -> None:
        change = update.my_chat_member
        assert change is not None
        status = change.new_chat_member.status
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            # Telegram tells us when someone blocks the bot (or removes it from a group).
            self.chat_unreachable(change.chat.id)
        elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
            self.unreachable.discard(change.chat.id)

    # -- outbound helpers ------------------------------------------------------------------------
    def _remember_keyboard(self, chat_id: int, results: Sequence[object]) -> None:
        for result in reversed(results):
            if isinstance(result, Message) and result.reply_markup is not None:
                self.last_keyboard[chat_id] = result.message_id
                self.last_keyboard.move_to_end(chat_id)
                if len(self.last_keyboard) > _KEYBOARDS_REMEMBERED:
                    self.last_keyboard.popitem(last=False)
                return

    def _with_waiting_ids(self, erase: DeleteMessages, user_id: str) -> DeleteMessages:
        """An erasure deletes the replies whose ids are still waiting to be written, too."""
        waiting = tuple(self.sent_log.take(user_id)) if erase.platform == PLATFORM else ()
        return DeleteMessages(erase.platform, erase.messages + waiting) if waiting else erase

    def chat_unreachable(self, chat_id: int) -> None:
        """Stop sending to a chat, here and (for a person) in the database, so bulk sends skip it too."""
        self.unreachable.add(chat_id)
        try:
            with self.sessions() as session:
                changed = mark_unreachable(session, PLATFORM, str(chat_id))
                session.commit()
            log.info("telegram: a chat is unreachable (403); %d contact(s) marked", changed)
        except Exception:  # noqa: BLE001 - a failed mark must not take the update loop down
            log.exception("telegram: could not mark a chat unreachable")

    async def _answer(self, query: CallbackQuery, text: str | None) -> None:
        try:
            await query.answer(text[:_TOAST_LIMIT] if text else None)
        except TelegramError as exc:
            # Too old (Telegram allows about 15 s) or already answered: the press is handled anyway.
            log.debug("telegram: answerCallbackQuery failed: %s", exc)

    def _toast(self, intents: Sequence[Intent]) -> str | None:
        """A stale press is answered with a short notice on the button itself, not a new message."""
        replies = [i for i in intents if isinstance(i, Reply)]
        others = [i for i in intents if not isinstance(i, Reply | CloseButtons)]
        if len(replies) == 1 and not others and not replies[0].buttons \
                and replies[0].kind is ReplyKind.STALE_BUTTON:
            return replies[0].text
        return None

    def _extra_buttons(self, incoming: Incoming) -> Callable[[Intent], Sequence[dict[str, str]]] | None:
        """In a group, the core's "let's take that in a private chat" gets a button that opens one.

        A crisis offer's button opens the private chat with the payload the core chose, where /start
        shows the crisis reply first.
        """
        if incoming.chat_type != "group" or not self.bot_username:
            return None
        username = self.bot_username
        lang = normalise_language(incoming.locale_hint) or self.default_language
        label = catalog(lang).get("common.open_private_chat") or f"💬 @{username}"
        assert START_PAYLOAD.match(GROUP_PAYLOAD)
        button = url_button(label, start_link(username, GROUP_PAYLOAD))

        def extra(intent: Intent) -> Sequence[dict[str, str]]:
            if not isinstance(intent, Reply):
                return ()
            if intent.kind is ReplyKind.CRISIS_OFFER and intent.start_payload \
                    and START_PAYLOAD.match(intent.start_payload):
                # In the offer's own language, so the button reads like the line above it.
                words = catalog(intent.lang or lang).get("common.open_private_chat") or label
                return [url_button(words, start_link(username, intent.start_payload))]
            return [button] if intent.kind is ReplyKind.TAKE_PRIVATE else ()

        return extra
