"""Samtale → Telegram: intents rendered as Bot API calls, sent with Telegram's error semantics.

Two layers, so the bulk outbox can reuse the second without the first:

- `render(intent, …)` turns one neutral intent into the Bot API calls that show it natively
  (inline keyboards, a Share button for a Reply with `share`, messages split under 4,096 characters,
  documents, keyboard removal);
- `send_intents(bot, chat_id, intents, …)` performs them in order and maps Telegram's errors:
  403 → the chat is unreachable and nothing more is sent to it; 429 → wait `retry_after`, retry;
  network errors and timeouts → bounded retries with backoff; a group migrated to a supergroup →
  continue in the new chat. It never raises for a delivery problem; it reports a `Delivery`.
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
    max_retry_after: float = 3600.0  # never sleep longer than this on one 429


@dataclass
class Delivery:
    """What happened to one batch of intents for one chat."""

    chat_id: int | str
    sent: int = 0
    failed: int = 0
    unreachable: bool = False
    waited: float = 0.0  # seconds spent honouring 429s and backing off
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


class ChatUnreachable(Exception):
    """Telegram answered 403: the person blocked the bot, deleted their account, or we were removed."""


async def call_with_retry(bot: Bot, call: ApiCall, chat_id: int | str, *, policy: RetryPolicy = RetryPolicy(),
                          sleep: Sleep = asyncio.sleep, delivery: Delivery | None = None) -> Any:
    """Perform one call: wait out 429s and retry network errors; raise ChatUnreachable on 403.

    Raises BadRequest (not retried: the request itself is wrong) and the last NetworkError once
    the attempts are used up. Note a timeout may hide a message that did arrive: retrying a send
    after TimedOut can, rarely, show it twice; losing it would be worse.
    """
    method = getattr(bot, call.method)
    network_failures = rate_limits = migrations = 0
    while True:
        try:
            return await method(chat_id=chat_id, **call.kwargs)
        except Forbidden as exc:
            raise ChatUnreachable(str(exc)) from exc
        except RetryAfter as exc:
            rate_limits += 1
            if rate_limits >= policy.rate_limit_attempts:
                raise
            wait = min(retry_after_seconds(exc), policy.max_retry_after)
            log.info("telegram: 429 on %s, waiting %.1fs", call.method, wait)
        except ChatMigrated as exc:
            # A group became a supergroup: the same conversation continues under a new id.
            migrations += 1
            if migrations > 2:
                raise
            chat_id = exc.new_chat_id
            if delivery is not None:
                delivery.migrated_to = exc.new_chat_id
            continue
        except BadRequest:
            raise
        except NetworkError as exc:  # TimedOut included
            network_failures += 1
            if network_failures >= policy.network_attempts:
                raise
            wait = min(policy.backoff * 2 ** (network_failures - 1), policy.max_backoff)
            log.info("telegram: %s on %s, retry %d in %.1fs", type(exc).__name__, call.method, network_failures, wait)
        if delivery is not None:
            delivery.waited += wait
        await sleep(wait)


async def perform(bot: Bot, chat_id: int | str, calls: Sequence[ApiCall], *, policy: RetryPolicy = RetryPolicy(),
                  sleep: Sleep = asyncio.sleep) -> Delivery:
    """Perform calls in order for one chat; stop at a 403, skip a call that fails for good."""
    delivery = Delivery(chat_id)
    for call in calls:
        target = call.chat_id if call.chat_id is not None else delivery.migrated_to or chat_id
        try:
            result = await call_with_retry(bot, call, target, policy=policy, sleep=sleep, delivery=delivery)
            delivery.results.append(result)
            delivery.sent += 1
            if call.personal and hasattr(result, "message_id"):
                delivery.personal.append(result.message_id)
        except ChatUnreachable:
            delivery.unreachable = True
            break
        except BadRequest as exc:
            reason = exc.message.lower()
            if call.method.startswith("edit_") and any(s in reason for s in _HARMLESS_EDIT):
                continue  # e.g. a second quick press: the keyboard is already gone
            if call.method == "delete_message" and any(s in reason for s in _UNDELETABLE):
                delivery.not_deleted += 1
                continue
            if "chat not found" in reason:
                delivery.unreachable = True  # a deleted account or chat: like a 403, stop here
                break
            delivery.failed += 1
            log.error("telegram: %s refused: %s", call.method, exc.message)
        except TelegramError as exc:
            delivery.failed += 1
            log.error("telegram: %s failed for good: %s", call.method, exc)
    return delivery


async def send_intents(bot: Bot, chat_id: int | str, intents: Sequence[Intent], *,
                       pressed_message_id: int | None = None, reply_to: int | None = None,
                       extra_buttons: Callable[[Intent], Sequence[dict[str, str]]] | None = None,
                       policy: RetryPolicy = RetryPolicy(), sleep: Sleep = asyncio.sleep) -> Delivery:
    """Render and send intents to one chat, in order. Never raises for a delivery problem."""
    calls: list[ApiCall] = []
    username = username_of(bot)
    for intent in intents:
        extra = extra_buttons(intent) if extra_buttons is not None else ()
        calls.extend(render(intent, pressed_message_id=pressed_message_id, reply_to=reply_to, extra_buttons=extra,
                            bot_username=username))
    return await perform(bot, chat_id, calls, policy=policy, sleep=sleep)
