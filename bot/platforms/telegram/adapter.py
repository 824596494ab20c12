"""The Telegram adapter proper: each update → the dispatcher → native replies, one chat in order."""
from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, CallbackQuery, ChatMember, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.delivery.pacing import RateLimiter
from bot.platforms.sent_log import SentLog
from bot.platforms.telegram.inbound import PLATFORM, START_PAYLOAD, to_incoming
from bot.platforms.telegram.ordering import ChatTurn, PerChatProcessor
from bot.platforms.telegram.outbound import Batch, RetryPolicy, Sleep, render_all, start_link, url_button
from bot.platforms.telegram.waits import ChatWaits
from bot.platforms.telegram.recovery import KeptReplies, through_core
from content.i18n import catalog, normalise_language
from handlers.core.context import Registry
from handlers.core.dispatch import Dispatcher
from handlers.core.failures import log_failure, route_of
from handlers.core.types import CloseButtons, DeleteMessages, Incoming, Intent, Reply, ReplyKind
from storage.clock import Clock, system_clock
from storage.repo import mark_unreachable

log = logging.getLogger(__name__)

# The payload of the deep link offered in groups: t.me/<bot>?start=group.
GROUP_PAYLOAD = "group"
_TOAST_LIMIT = 200
# Private chats whose last keyboard we remember (so typed text can close it); the oldest are forgotten.
_KEYBOARDS_REMEMBERED = 50_000
# The senders' lanes, lowest first: someone in crisis is never behind anyone's receipt. (Bulk has its
# own sender, the outbox worker, which yields to these through the shared RateLimiter.)
CRISIS_LANE, INTERACTIVE_LANE = 0, 1
# How long SIGTERM waits for replies already through the core: container runtimes give 10 s in all.
DRAIN_SECONDS = 8.0


def lane_of(intents: Sequence[Intent]) -> int:
    crisis = any(isinstance(i, Reply) and i.kind in (ReplyKind.CRISIS, ReplyKind.CRISIS_OFFER) for i in intents)
    return CRISIS_LANE if crisis else INTERACTIVE_LANE


@dataclass(slots=True, eq=False)
class _Job:
    """Replies to one update, on their way: queued, with a sender, or parked while the chat waits."""

    update: Update
    bot: Bot
    incoming: Incoming | None
    chat_id: int
    intents: list[Intent]
    query: CallbackQuery | None
    turn: ChatTurn | None
    lane: int = INTERACTIVE_LANE
    order: int = 0  # first come, first served within a lane (a resumed job keeps its place)
    batch: Batch | None = None  # the calls, once rendered, and how far they got
    finished: bool = False
    reply_id: int | None = None  # the kept row of these replies (recovery.py), forgotten once sent


class TelegramAdapter:
    """Turns updates into Incomings for the shared dispatcher and renders what it returns."""

    def __init__(self, dispatcher: Dispatcher, sessions: sessionmaker[Session], *, routes: Registry | None = None,
                 bot_username: str | None = None, policy: RetryPolicy = RetryPolicy(), sleep: Sleep = asyncio.sleep,
                 default_language: str = "da", connections: int = 8,
                 ordering: PerChatProcessor | None = None, clock: Clock = system_clock,
                 bulk: RateLimiter | None = None, kept: KeptReplies | None = None) -> None:
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
        # Durable replies: stored with what they answer, forgotten once sent (None: kept in memory only).
        self.kept = kept
        # Many updates may be in the core at once (the dispatcher commits them together), but only
        # `connections` senders make Bot API calls: more costs the HTTP client more than it gives, and
        # Telegram allows ~30 messages/s anyway. An update leaves PTB's hands once through the core,
        # so replies waiting for a sender never keep the next messages from the dispatcher.
        # A sender never waits on one chat's limit: such a chat is parked in `waits` (see waits.py).
        self.connections = connections
        self._ready: asyncio.PriorityQueue[tuple[int, int, _Job]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._senders: set[asyncio.Task[None]] = set()
        self._unfinished: set[_Job] = set()
        self._all_out = asyncio.Event()
        self._closing = False
        # Replies sent here count against the platform's rate that bulk shares, so bulk makes room.
        self.bulk = bulk
        self.waits = ChatWaits(sleep, bulk)
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
        try:  # with self.kept, the replies are stored with what they answer (recovery.py)
            intents, reply_id = await through_core(self.dispatcher, self.kept, update, incoming,
                                                   self.last_keyboard.get(chat.id))
        finally:
            if turn is not None:
                turn.done_dispatching()
        return self._queue(_Job(update, context.bot, incoming, chat.id, intents, query, turn, reply_id=reply_id))

    # -- outbound: a few senders, each chat's replies in order, a waiting chat parked --------------
    def _queue(self, job: _Job) -> bool:
        if job.turn is not None:
            job.turn.handed_over = True  # the sender finishes the turn once the replies are out
        job.lane, job.order = lane_of(job.intents), next(self._order)
        self._unfinished.add(job)
        self._all_out.clear()
        if job.turn is not None:
            job.turn.when_may_send(lambda: self._ready_to_send(job))
        else:
            self._ready_to_send(job)
        while len(self._senders) < self.connections:
            self._senders.add(asyncio.create_task(self._sender(), name="telegram-sender"))
        return True

    def _ready_to_send(self, job: _Job) -> None:
        """The job may be sent now (its chat's earlier replies are out, or its own wait is over)."""
        if not job.finished and not self._closing:
            self._ready.put_nowait((job.lane, job.order, job))

    async def _sender(self) -> None:
        while True:
            *_, job = await self._ready.get()
            done = True
            try:
                done = await self._deliver(job)
                if done and self.kept is not None:
                    self.kept.sent(job.reply_id)
            except asyncio.CancelledError:
                if job.batch is not None:
                    self._after_sending(job, job.batch)  # stopped mid-batch: what did go out is remembered
                raise
            except Exception as exc:  # noqa: BLE001 - one failed delivery must not stop the sender
                log_failure(log, f"telegram update {job.update.update_id}", route_of(job.incoming, self.routes),
                            "sending its replies", exc)
                if self.kept is not None:
                    self.kept.sent(job.reply_id)  # given up: it would fail the same way again
            finally:
                if done:
                    self._finish(job)

    def _park(self, job: _Job, seconds: float) -> None:
        """The chat must wait: its batch goes aside, to come back to the queue when the wait is over."""
        assert job.batch is not None
        self.waits.park(job, seconds, lambda: self._ready_to_send(job), chat=job.chat_id,
                        rate_limited=job.batch.rate_limited)

    def _finish(self, job: _Job) -> None:
        """Once per job, sent or not: the chat's next replies may go, drain may count it out."""
        if job.finished:
            return
        job.finished = True
        if job.turn is not None:
            job.turn.finish()
        self._unfinished.discard(job)
        if not self._unfinished:
            self._all_out.set()
        self._count_handled()

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:
        """Send what is already through the core (for at most `timeout` s), then stop the senders."""
        if self._unfinished:
            try:
                async with asyncio.timeout(timeout):
                    await self._all_out.wait()
            except TimeoutError:
                # E.g. a long 429: what was stored stays stored; only these receipts are not sent here.
                log.warning("telegram: stopping with %d replies unsent (%d chats waiting out a limit)",
                            len(self._unfinished), len(self.waits))
        self._closing = True
        try:
            for task in self._senders:
                task.cancel()
            await asyncio.gather(*self._senders, return_exceptions=True)
            self._senders.clear()
            await self.waits.close()  # after the senders, so none parks a chat once this is done
            for job in list(self._unfinished):
                if job.batch is not None:
                    self._after_sending(job, job.batch)  # what did go out is remembered (for /forget)
                self._finish(job)
            while not self._ready.empty():
                self._ready.get_nowait()
            self.sent_log.flush()
            if self.kept is not None:
                self.kept.release()  # what was not sent stays kept, for the next process at once
        finally:
            self._closing = False

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

    async def _deliver(self, job: _Job) -> bool:
        """Send a job's replies, or go on where they stopped. True: done (all out, or given up);
        False: the chat must wait first, and the job is parked (it comes back here afterwards)."""
        if job.batch is None:
            job.batch = await self._prepare(job)
            if job.batch is None:
                return True
        wait = await job.batch.advance(job.bot, self.policy)
        if wait is not None:
            self._park(job, wait)
            return False
        self._after_sending(job, job.batch)
        return True

    async def _prepare(self, job: _Job) -> Batch | None:
        """Once per job: answer the press, and render the replies as the calls of a batch (None: none)."""
        intents, query, chat_id = job.intents, job.query, job.chat_id
        if job.incoming is None:
            if query is not None:
                await self._answer(query, None)
            return None
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
            return None
        message = job.update.message
        reply_to = message.message_id if not private and message is not None else None
        if any(isinstance(i, Reply) and i.kind is ReplyKind.CRISIS_OFFER for i in intents):
            reply_to = None  # never threaded to crisis words: that would point at what was said
        intents = [self._with_waiting_ids(i, job.incoming.user_id) if isinstance(i, DeleteMessages) else i
                   for i in intents]
        return Batch(chat_id, render_all(job.bot, intents, pressed_message_id=pressed, reply_to=reply_to,
                                         extra_buttons=self._extra_buttons(job.incoming)))

    def _after_sending(self, job: _Job, batch: Batch) -> None:
        delivery = batch.delivery
        assert job.incoming is not None
        if self.bulk is not None:
            for _ in range(delivery.sent):
                self.bulk.interactive()
        private = job.incoming.chat_type == "private"
        if private and delivery.personal:
            self.sent_log.add(job.incoming.user_id, str(job.chat_id), (str(m) for m in delivery.personal))
        if delivery.unreachable:
            self.chat_unreachable(job.chat_id)
        elif private:
            self._remember_keyboard(job.chat_id, delivery.results)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler: one ERROR line with the update id and the handler, never the content
        (it is someone's words) nor a chat or user id; then carry on."""
        update_id, incoming = None, None
        if isinstance(update, Update):
            update_id = update.update_id
            try:
                incoming = to_incoming(update, bot_username=self.bot_username, routes=self.routes)
            except Exception:  # noqa: BLE001 - the failure may be right there; the line is written anyway
                incoming = None
        log_failure(log, f"telegram update {update_id}", route_of(incoming, self.routes), "in the adapter",
                    context.error)

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
