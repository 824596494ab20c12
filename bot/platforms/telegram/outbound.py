"""Samtale → Telegram: intents rendered as Bot API calls, sent with Telegram's error semantics.

Two layers, so the bulk outbox can reuse the second without the first:

- `render(intent, …)` turns one neutral intent into the Bot API calls that show it natively
  (inline keyboards, a Share button for a Reply with `share`, messages split under 4,096 characters,
  documents, keyboard removal);
- a `Batch` performs one chat's calls in order and maps Telegram's errors: 403 → the chat is
  unreachable and nothing more is sent to it; 429 → wait `retry_after`, retry; network errors,
  5xx and timeouts → bounded retries with backoff; a group migrated to a supergroup → continue in
  the new chat. It never sleeps: it stops where the chat must wait and says for how long, so the
  adapter can park that chat and serve others (`perform` / `send_intents` sleep, for a task of
  their own). It never raises for a delivery problem; it reports a `Delivery`.
"""
from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from telegram import Bot, InputFile, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.platforms.telegram.inbound import START_PAYLOAD
from bot.platforms.text import split_text
from handlers.core.types import Button, CloseButtons, DeleteMessages, Document, Intent, Reply

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call, by the name of its `telegram.Bot` method, without the chat id."""

    method: str  # send_message | send_document | edit_message_reply_markup | delete_message
    kwargs: dict[str, Any]
    # The message shows a person's data (Reply.personal): its id is kept so /forget can delete it.
    personal: bool = False
    # Another chat than the batch's (a deletion names the chat its message is in).
    chat_id: int | str | None = None


def keyboard(rows: Sequence[Sequence[Button]], extra: Sequence[dict[str, str]] = (),
             share: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Reply.buttons as an inline keyboard: one callback button per action (the core keeps ≤ 64 bytes).

    Built as the Bot API's JSON (an InlineKeyboardMarkup as a dict), which PTB sends as given: making
    and serialising PTB's keyboard objects cost ~0.1 ms per reply, about 10 % of Samtale's throughput.
    """
    keys = [[{"text": b.label, "callback_data": b.action} for b in row] for row in rows if row]
    if share is not None:
        keys.append([share])
    if extra:
        keys.append(list(extra))
    return {"inline_keyboard": keys} if keys else None


def url_button(label: str, url: str) -> dict[str, str]:
    return {"text": label, "url": url}


def start_link(bot_username: str, payload: str) -> str:
    """The deep link that opens a private chat with the bot and sends /start <payload>."""
    return f"https://t.me/{bot_username}?start={payload}"


def share_url(bot_username: str, payload: str, text: str) -> str:
    """Telegram's share dialog (pick a chat, edit the text, send) for the deep link t.me/<bot>?start=<payload>."""
    link = start_link(bot_username, payload)
    return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}"


def share_button(reply: Reply, bot_username: str | None) -> dict[str, str] | None:
    """The Share button of a Reply with `share`; None without a bot name to link to or a payload /start takes."""
    share = reply.share
    if share is None or not bot_username or not START_PAYLOAD.match(share.payload):
        return None
    return url_button(share.label, share_url(bot_username, share.payload, share.text))


def username_of(bot: Bot) -> str | None:
    """The bot's @name once it has been initialised (getMe); before that there is nothing to link to."""
    try:
        return bot.username
    except RuntimeError:
        return None


def render(intent: Intent, *, pressed_message_id: int | None = None, reply_to: int | None = None,
           extra_buttons: Sequence[dict[str, str]] = (), bot_username: str | None = None) -> list[ApiCall]:
    """The calls that show one intent natively in a chat.

    `pressed_message_id`: the message whose keyboard was pressed (CloseButtons removes it);
    `reply_to`: in a group, answers are threaded to the command they answer;
    `extra_buttons`: a row of URL buttons the adapter adds (the deep link to a private chat);
    `bot_username`: the bot's name, for the Share button of a Reply with `share` (none without it).
    """
    if isinstance(intent, Reply):
        chunks = split_text(intent.text, TEXT_LIMIT)
        markup = keyboard(intent.buttons, extra_buttons, share_button(intent, bot_username))
        if not chunks:
            return []
        calls = []
        for i, chunk in enumerate(chunks):
            kwargs: dict[str, Any] = {"text": chunk}
            if i == 0 and reply_to is not None:
                kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
            if i == len(chunks) - 1 and markup is not None:
                kwargs["reply_markup"] = markup  # buttons go under the last part, where people read to
            calls.append(ApiCall("send_message", kwargs, personal=intent.personal))
        return calls
    if isinstance(intent, Document):
        caption = intent.caption or None
        calls = []
        if caption is not None and len(caption) > CAPTION_LIMIT:
            calls.extend(render(Reply(caption, personal=intent.personal), reply_to=reply_to))
            caption = None
        document = InputFile(intent.content, filename=intent.filename, read_file_handle=False)
        kwargs = {"document": document, "caption": caption}
        if reply_to is not None and not calls:
            kwargs["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
        calls.append(ApiCall("send_document", kwargs, personal=intent.personal))
        return calls
    if isinstance(intent, DeleteMessages):
        # Telegram lets a bot delete its own messages in a private chat for 48 hours; an older one is
        # refused ("message can't be deleted") and stays, as the erasure's confirmation says.
        return [ApiCall("delete_message", {"message_id": int(m.message_id)}, chat_id=int(m.chat_id))
                for m in intent.messages if intent.platform == "telegram"]
    if isinstance(intent, CloseButtons):
        calls = []
        if pressed_message_id is not None:
            calls.append(ApiCall("edit_message_reply_markup", {"message_id": pressed_message_id, "reply_markup": None}))
        if intent.note:
            calls.extend(render(Reply(intent.note)))
        return calls
    log.warning("telegram: no rendering for %s", type(intent).__name__)
    return []


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one call. Interactive replies and bulk sends may want different numbers."""

    network_attempts: int = 4  # first try + 3 retries, waiting backoff, 2×backoff, 4×backoff
    backoff: float = 0.5
    max_backoff: float = 8.0
    rate_limit_attempts: int = 5
    max_retry_after: float = 3600.0  # never wait longer than this on one 429


@dataclass
class Delivery:
    """What happened to one batch of intents for one chat."""

    chat_id: int | str
    sent: int = 0
    failed: int = 0
    unreachable: bool = False
    waited: float = 0.0  # seconds asked for by 429s and backoff
    migrated_to: int | None = None
    results: list[Any] = field(default_factory=list)
    # Ids of sent messages that show a person's data (ApiCall.personal), for /forget to delete later.
    personal: list[int] = field(default_factory=list)
    # Deletions Telegram refused (too old, already gone): the messages stay in the chat.
    not_deleted: int = 0

    @property
    def ok(self) -> bool:
        return not self.unreachable and self.failed == 0


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int, or a timedelta with PTB_TIMEDELTA=true; read either without a warning."""
    value: Any = getattr(exc, "_retry_after", None)
    if value is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


# Edits that fail like this are harmless: the keyboard is already gone or the message is too old.
_HARMLESS_EDIT = ("message is not modified", "message to edit not found", "message can't be edited")
# Deletions that fail like this are expected: older than 48 hours, or the person deleted it already.
_UNDELETABLE = ("message can't be deleted", "message to delete not found")


class Batch:
    """One chat's calls, performed in order, that stop (never sleep) where the chat must wait.

    `advance` performs calls until they are all done, or until one needs a wait — a 429 with its
    `retry_after`, or a network error / 5xx / dropped connection with its backoff — and then returns
    the seconds to wait, leaving the batch at that call. Whoever drives the batch decides where the
    waiting happens: the adapter parks the chat and its shared sender goes on to other chats (one
    chat's limit must never hold what everyone needs); `perform` simply sleeps. Calls already
    accepted are never sent again when the batch resumes. 403 stops the batch (`unreachable`); a call
    refused for good (400, or past the attempts) is skipped and counted in `failed`. Note a timeout
    may hide a message that did arrive: retrying a send after TimedOut can, rarely, show it twice;
    losing it would be worse.
    """

    __slots__ = ("chat_id", "calls", "delivery", "position", "rate_limited", "_network_failures", "_rate_limits",
                 "_migrations")

    def __init__(self, chat_id: int | str, calls: Sequence[ApiCall]) -> None:
        self.chat_id = chat_id
        self.calls = list(calls)
        self.delivery = Delivery(chat_id)
        self.position = 0  # the next call to perform
        self.rate_limited = False  # the last wait asked for was a 429's (not a backoff)
        self._network_failures = self._rate_limits = self._migrations = 0

    @property
    def done(self) -> bool:
        return self.position >= len(self.calls)

    async def advance(self, bot: Bot, policy: RetryPolicy = RetryPolicy()) -> float | None:
        """Perform the calls left; None when all are done, else the seconds this chat must wait first."""
        while not self.done:
            wait = await self._attempt(bot, self.calls[self.position], policy)
            if wait is not None:
                self.delivery.waited += wait
                return wait
        return None

    def _next_call(self) -> None:
        self.position += 1
        self._network_failures = self._rate_limits = self._migrations = 0

    async def _attempt(self, bot: Bot, call: ApiCall, policy: RetryPolicy) -> float | None:
        """One try of the current call: moves on, or stays and returns a wait, or stays to try again now."""
        delivery = self.delivery
        target = call.chat_id if call.chat_id is not None else delivery.migrated_to or self.chat_id
        try:
            result = await getattr(bot, call.method)(chat_id=target, **call.kwargs)
        except Forbidden:
            delivery.unreachable = True  # blocked, or removed from the group: nothing more to this chat
            self.position = len(self.calls)
            return None
        except RetryAfter as exc:
            self._rate_limits += 1
            if self._rate_limits < policy.rate_limit_attempts:
                self.rate_limited = True
                wait = min(retry_after_seconds(exc), policy.max_retry_after)
                log.info("telegram: 429 on %s, the chat waits %.1fs", call.method, wait)
                return wait
            self._failed(call, exc)
        except ChatMigrated as exc:
            # A group became a supergroup: the same conversation continues under a new id, at once.
            self._migrations += 1
            if self._migrations <= 2 and call.chat_id is None:
                delivery.migrated_to = exc.new_chat_id
                return None
            self._failed(call, exc)
        except BadRequest as exc:  # before NetworkError, which it subclasses: the request itself is wrong
            if self._refused(call, exc):
                return None
        except NetworkError as exc:  # TimedOut, 5xx and dropped connections included
            self._network_failures += 1
            if self._network_failures < policy.network_attempts:
                self.rate_limited = False
                wait = min(policy.backoff * 2 ** (self._network_failures - 1), policy.max_backoff)
                log.info("telegram: %s on %s, retry %d in %.1fs", type(exc).__name__, call.method,
                         self._network_failures, wait)
                return wait
            self._failed(call, exc)
        except TelegramError as exc:
            self._failed(call, exc)
        else:
            delivery.results.append(result)
            delivery.sent += 1
            if call.personal and hasattr(result, "message_id"):
                delivery.personal.append(result.message_id)
        self._next_call()
        return None

    def _failed(self, call: ApiCall, exc: TelegramError) -> None:
        self.delivery.failed += 1
        log.error("telegram: %s failed for good: %s", call.method, exc)

    def _refused(self, call: ApiCall, exc: BadRequest) -> bool:
        """A 400: harmless, expected, the end of this chat (True: the batch stopped), or a failure."""
        reason = exc.message.lower()
        if call.method.startswith("edit_") and any(s in reason for s in _HARMLESS_EDIT):
            return False  # e.g. a second quick press: the keyboard is already gone
        if call.method == "delete_message" and any(s in reason for s in _UNDELETABLE):
            self.delivery.not_deleted += 1
            return False
        if "chat not found" in reason:
            self.delivery.unreachable = True  # a deleted account or chat: like a 403, stop here
            self.position = len(self.calls)
            return True
        self.delivery.failed += 1
        log.error("telegram: %s refused: %s", call.method, exc.message)
        return False


async def perform(bot: Bot, chat_id: int | str, calls: Sequence[ApiCall], *, policy: RetryPolicy = RetryPolicy(),
                  sleep: Sleep = asyncio.sleep) -> Delivery:
    """Perform calls in order for one chat, sleeping through its waits (for a task of its own, e.g. the
    announcer); stop at a 403, skip a call that fails for good."""
    batch = Batch(chat_id, calls)
    while (wait := await batch.advance(bot, policy)) is not None:
        await sleep(wait)
    return batch.delivery


def render_all(bot: Bot, intents: Sequence[Intent], *, pressed_message_id: int | None = None,
               reply_to: int | None = None,
               extra_buttons: Callable[[Intent], Sequence[dict[str, str]]] | None = None) -> list[ApiCall]:
    """The calls that show these intents in one chat, in order."""
    calls: list[ApiCall] = []
    username = username_of(bot)
    for intent in intents:
        extra = extra_buttons(intent) if extra_buttons is not None else ()
        calls.extend(render(intent, pressed_message_id=pressed_message_id, reply_to=reply_to, extra_buttons=extra,
                            bot_username=username))
    return calls


async def send_intents(bot: Bot, chat_id: int | str, intents: Sequence[Intent], *,
                       pressed_message_id: int | None = None, reply_to: int | None = None,
                       extra_buttons: Callable[[Intent], Sequence[dict[str, str]]] | None = None,
                       policy: RetryPolicy = RetryPolicy(), sleep: Sleep = asyncio.sleep) -> Delivery:
    """Render and send intents to one chat, in order, sleeping through its waits. Never raises for a
    delivery problem. (The adapter drives a `Batch` instead, so a waiting chat holds no sender.)"""
    calls = render_all(bot, intents, pressed_message_id=pressed_message_id, reply_to=reply_to,
                       extra_buttons=extra_buttons)
    return await perform(bot, chat_id, calls, policy=policy, sleep=sleep)
