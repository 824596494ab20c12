"""Loopback fake of the Telegram Bot API for driving the real python-telegram-bot in the tests and benchmarks."""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

__all__ = [
    "Call",
    "FakeTelegramAPI",
    "Rejection",
    "SentDocument",
    "SentMessage",
    "UploadedFile",
]

DEFAULT_TOKEN = "123456789:TEST-token_for_the_fake_api"

# Telegram only delivers these when they are explicitly listed in allowed_updates.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Methods that create or change a visible message: these are what Telegram's flood
# control counts, so rate limits and per-second counters apply to exactly these.
_SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)
# A user who blocked the bot (or a group that kicked it) also refuses chat actions.
_CHAT_BOUND_METHODS = _SEND_METHODS | {"sendChatAction"}

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# PTB sends form-encoded bodies in which every non-string value is JSON-encoded and
# strings are sent raw, so "123" may be a number or text. These keys are always text and
# must never be decoded, whatever they look like.
_TEXT_KEYS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "language_code",
        "url",
        "secret_token",
        "action",
        "name",
        "description",
        "short_description",
        "title",
        "query",
        "emoji",
        "file_id",
        "document",
        "photo",
        "business_connection_id",
        "message_effect_id",
        "question",
        "explanation",
        "address",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "custom_title",
        "payload",
        "start_parameter",
    }
)
_INT_RE = re.compile(r"-?\d+\Z")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}\Z")

_TEXT_LIMIT = 4096
_CAPTION_LIMIT = 1024
# Telegram: "A message can only be deleted if it was sent less than 48 hours ago."
_DELETE_WINDOW = 48 * 3600
_CALLBACK_DATA_LIMIT = 64
_INLINE_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


class Call(tuple):
    """One received API request, unpackable as ``(method, params)``."""

    __slots__ = ()

    def __new__(cls, method: str, params: dict[str, Any]) -> Call:
        return tuple.__new__(cls, (method, params))

    @property
    def method(self) -> str:
        return self[0]

    @property
    def params(self) -> dict[str, Any]:
        return self[1]

    def __repr__(self) -> str:
        return f"Call({self[0]!r}, {self[1]!r})"


@dataclass(slots=True)
class Rejection:
    """A request the fake answered with an error (blocked, rate limited, injected, invalid)."""

    method: str
    params: dict[str, Any]
    error_code: int
    description: str
    retry_after: int | None = None


@dataclass(slots=True)
class SentDocument:
    """A document the bot sent; ``data`` is None when it was sent by URL."""

    chat_id: int | str
    message_id: int
    filename: str
    data: bytes | None
    caption: str | None
    file_id: str
    mime_type: str


@dataclass(slots=True)
class SentMessage:
    """An accepted sendMessage/sendDocument/sendPhoto/edit*, in the order they happened."""

    method: str
    chat_id: int | str | None
    message_id: int | None
    text: str | None
    reply_markup: dict[str, Any] | None
    parse_mode: str | None
    params: dict[str, Any] = field(repr=False)
    document: SentDocument | None = None

    @property
    def edited(self) -> bool:
        return self.method.startswith("edit")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, flattened row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", ()) for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


class _ApiError(Exception):
    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad_request(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


class _TokenBucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        # One second's worth of burst, but at least one message, so slow per-chat rates
        # (Telegram's groups allow 20/min) still let a single message through.
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass(slots=True)
class _RateRule:
    chat_id: int | str | None
    retry_after: int
    remaining: int
    skip: int = 0  # sends let through before the rule bites


@dataclass(slots=True)
class _FailRule:
    method: str
    status: int
    description: str
    remaining: int


@dataclass(slots=True)
class _ChatFault:
    chat_id: int | str
    status: int  # DROPPED: the connection is closed with no answer at all
    description: str
    remaining: int


# The error code a Rejection records for a request whose connection was dropped unanswered.
DROPPED = 0


def _coerce(key: str, value: str) -> Any:
    if key in _TEXT_KEYS:
        return value
    if _INT_RE.match(value):
        return int(value)
    if value == "true":
        return True
    if value == "false":
        return False
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[dict[str, Any]]:
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}]


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _TelegramHTML(HTMLParser):
    # Telegram rejects any tag outside this set, <br> included, which is a common bug.
    ALLOWED = frozenset(
        {
            "b",
            "strong",
            "i",
            "em",
            "u",
            "ins",
            "s",
            "strike",
            "del",
            "span",
            "tg-spoiler",
            "a",
            "tg-emoji",
            "code",
            "pre",
            "blockquote",
        }
    )

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.stack: list[str] = []
        self.chunks: list[str] = []
        self.error: str | None = None
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _offset(self) -> int:
        line, column = self.getpos()
        return _byte_offset(self.source, self._line_starts[line - 1] + column)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error:
            return
        unsupported = tag not in self.ALLOWED or (
            tag == "span" and dict(attrs).get("class") != "tg-spoiler"
        )
        if unsupported:
            self.error = f'Unsupported start tag "{tag}" at byte offset {self._offset()}'
            return
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.error:
            self.error = f'Unsupported start tag "{tag}" at byte offset {self._offset()}'

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack or self.stack[-1] != tag:
            expected = f'expected "</{self.stack[-1]}>", ' if self.stack else ""
            self.error = (
                f"Unmatched end tag at byte offset {self._offset()}, "
                f'{expected}found "</{tag}>"'
            )
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def _plain_html(text: str) -> str:
    parser = _TelegramHTML(text)
    parser.feed(text)
    parser.close()
    if not parser.error and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
    if parser.error:
        raise _bad_request(f"can't parse entities: {parser.error}")
    return "".join(parser.chunks)


def _find_unescaped(text: str, char: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _check_markdown_v2(text: str) -> None:
    # Deliberately partial: it flags the characters that can never be markup (the usual
    # "forgot to escape a full stop" bug) and unbalanced bold, and accepts anything else.
    i, n, bold_at = 0, len(text), None
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _bad_request(
                    "can't parse entities: Can't find end of Pre entity at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            i = end + 3
            continue
        if char == "`":
            end = _find_unescaped(text, "`", i + 1)
            if end < 0:
                raise _bad_request(
                    "can't parse entities: Can't find end of Code entity at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            i = end + 1
            continue
        if char == "]" and text.startswith("](", i):
            end = _find_unescaped(text, ")", i + 2)
            if end < 0:
                raise _bad_request(
                    "can't parse entities: Can't find end of a url at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            i = end + 1
            continue
        if char == "|" and text.startswith("||", i):
            i += 2
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char in "#+-={}.!()|" or (char == ">" and not at_line_start):
            raise _bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        if char == "*":
            bold_at = None if bold_at is not None else i
        i += 1
    if bold_at is not None:
        raise _bad_request(
            "can't parse entities: Can't find end of Bold entity at byte offset "
            f"{_byte_offset(text, bold_at)}"
        )


def _check_markdown(text: str) -> None:
    # Legacy Markdown fails on any unpaired _ * ` [ -- e.g. a username with an underscore.
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            i += 2
            continue
        end = -2
        if text.startswith("```", i):
            found = text.find("```", i + 3)
            end = found + 2 if found >= 0 else -1
        elif char in "_*`":
            end = text.find(char, i + 1)
        elif char == "[":
            close = text.find("](", i + 1)
            end = text.find(")", close + 2) if close >= 0 else -1
        if end == -1:
            raise _bad_request(
                "can't parse entities: Can't find end of the entity starting at byte offset "
                f"{_byte_offset(text, i)}"
            )
        i = end + 1 if end >= 0 else i + 1


def _visible_text(text: str, parse_mode: str | None) -> str:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _plain_html(text)
    if mode == "markdownv2":
        _check_markdown_v2(text)
    elif mode == "markdown":
        _check_markdown(text)
    # Markdown lengths are approximate (markup counted); close enough for a fake.
    return text


def _scope_key(scope: Any) -> tuple[Any, ...]:
    if scope is None:
        return ("default",)
    if isinstance(scope, str):
        return (scope,)
    if isinstance(scope, tuple):
        return scope
    key: tuple[Any, ...] = (scope.get("type", "default"),)
    if "chat_id" in scope:
        key += (scope["chat_id"],)
    if "user_id" in scope:
        key += (scope["user_id"],)
    return key


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class FakeTelegramAPI:
    """Bot API server on 127.0.0.1 that records what the bot does and feeds it updates.

    Typical use::

        async with FakeTelegramAPI() as fake:
            app = (ApplicationBuilder().token(TOKEN).base_url(fake.base_url)
                   .base_file_url(fake.base_file_url).build())
            ...
            fake.user_message(42, "hej")
            await fake.wait_for_messages(42, 1)

    Rate limiting (``max_per_second`` / ``per_chat_per_second``) is a token bucket per
    limit: each bucket holds at most ``max(1, rate)`` tokens and refills continuously at
    ``rate`` tokens per second. Every message-producing call (``_SEND_METHODS``) needs a
    token from the global bucket and from its chat's bucket; if either is empty the call is
    answered 429 with ``retry_after`` = seconds until a token is available, rounded up to a
    whole second (Telegram only reports whole seconds), and nothing is consumed.
    """

    def __init__(
        self,
        *,
        max_per_second: float | None = None,
        per_chat_per_second: float | None = None,
        token: str | None = None,
        bot_username: str = "samtale_test_bot",
        bot_first_name: str = "Samtale",
        validate: bool = True,
        record_polls: bool = False,
    ) -> None:
        """``token=None`` accepts any token; ``validate`` enables Telegram's 400s for bad text."""
        self.max_per_second = max_per_second
        self.per_chat_per_second = per_chat_per_second
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.validate = validate
        self.record_polls = record_polls

        self.calls: list[Call] = []
        self.rejected: list[Rejection] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.chat_actions: list[tuple[int | str, str]] = []
        self.deleted: list[tuple[int | str, int]] = []
        self.menu_buttons: dict[int | str | None, dict[str, Any]] = {}
        self.bot_settings: dict[str, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self.poll_count = 0
        self.poll_conflicts = 0
        self.accepted_sends = 0
        # Accepted sends per whole second since start(): {second_index: count}.
        self.sends_per_window: collections.Counter[int] = collections.Counter()

        self._sent: list[SentMessage] = []
        self._sent_by_chat: dict[int | str, list[SentMessage]] = collections.defaultdict(list)
        self._documents: dict[int | str, list[SentDocument]] = collections.defaultdict(list)
        self._commands: dict[tuple[tuple[Any, ...], str], list[dict[str, str]]] = {}
        self._call_counts: collections.Counter[str] = collections.Counter()

        self._chats: dict[int | str, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._files: dict[str, UploadedFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)
        self._callback_ids: set[str] = set()
        self._callback_counter = itertools.count(1)

        # Pending updates as (update_id, update_type, serialised JSON), oldest first;
        # serialising at push time keeps getUpdates cheap under benchmark load.
        self._pending: collections.deque[tuple[int, str, str]] = collections.deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._updates_event: asyncio.Event | None = None
        self._poll_generation = 0
        self._active_polls = 0

        self._blocked: set[int | str] = set()
        self._rate_rules: list[_RateRule] = []
        self._fail_rules: list[_FailRule] = []
        self._chat_faults: list[_ChatFault] = []
        self._global_bucket: _TokenBucket | None = None
        self._chat_buckets: dict[int | str, _TokenBucket] = {}

        self._waiters: list[tuple[Callable[[list[SentMessage]], bool], asyncio.Future[None]]] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None
        self._closing = False
        self._t0 = 0.0
        self._bot_id: int | None = None

        self._handlers: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}
        for name in (
            "getMe",
            "logOut",
            "close",
            "deleteWebhook",
            "setWebhook",
            "getWebhookInfo",
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "editMessageCaption",
            "deleteMessage",
            "answerCallbackQuery",
            "sendDocument",
            "sendPhoto",
            "sendChatAction",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setChatMenuButton",
            "getChatMenuButton",
            "setMyDescription",
            "setMyShortDescription",
            "setMyName",
            "getChat",
            "getFile",
        ):
            # Telegram matches method names case-insensitively.
            self._handlers[name.lower()] = (name, getattr(self, f"_api_{name}"))

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._t0 = loop.time()
        self._closing = False
        self._updates_event = asyncio.Event()
        if self.max_per_second:
            self._global_bucket = _TokenBucket(self.max_per_second, self._t0)
        # Telegram allows 50 MB uploads; aiohttp's 1 MB default would reject documents.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation lets an abandoned long poll die with its connection instead
        # of holding stop() up until its timeout; a short shutdown_timeout for the same reason.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True
        if self._updates_event is not None:
            self._updates_event.set()
        for _, future in self._waiters:
            if not future.done():
                future.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder.base_url``; PTB appends ``{token}/{method}``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------ bot identity

    @property
    def bot_id(self) -> int:
        """Taken from the first token seen (``123456:ABC`` -> 123456), as on Telegram."""
        if self._bot_id is not None:
            return self._bot_id
        return self._id_from_token(self.token or DEFAULT_TOKEN)

    @staticmethod
    def _id_from_token(token: str) -> int:
        head = token.split(":", 1)[0]
        return int(head) if head.isdigit() else 1

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # ------------------------------------------------------------------ recording

    def sent_messages(self, chat_id: int | str | None = None) -> list[SentMessage]:
        """Accepted sends and edits, in order, optionally for one chat."""
        if chat_id is None:
            return list(self._sent)
        return list(self._sent_by_chat.get(chat_id, ()))

    def documents(self, chat_id: int | str | None = None) -> list[SentDocument]:
        if chat_id is None:
            return [d for docs in self._documents.values() for d in docs]
        return list(self._documents.get(chat_id, ()))

    @property
    def commands(self) -> dict[str, list[dict[str, str]]]:
        """Default-scope commands keyed by language_code ("" for no language)."""
        return {
            lang: cmds for (scope, lang), cmds in self._commands.items() if scope == ("default",)
        }

    def commands_for(
        self, scope: dict[str, Any] | str | None = None, language_code: str = ""
    ) -> list[dict[str, str]] | None:
        """Commands for a scope (dict, type name like "all_private_chats", or None=default)."""
        return self._commands.get((_scope_key(scope), language_code))

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    @property
    def pending_updates(self) -> int:
        return len(self._pending)

    def throughput(self) -> list[int]:
        """Accepted sends per one-second window since start, gaps included."""
        if not self.sends_per_window:
            return []
        return [self.sends_per_window.get(i, 0) for i in range(max(self.sends_per_window) + 1)]

    def clear_recordings(self) -> None:
        self.calls.clear()
        self.rejected.clear()
        self.answered_callbacks.clear()
        self.chat_actions.clear()
        self.deleted.clear()
        self._sent.clear()
        self._sent_by_chat.clear()
        self._documents.clear()
        self._call_counts.clear()
        self.sends_per_window.clear()
        self.accepted_sends = 0

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self,
        predicate_or_count: Callable[[list[SentMessage]], bool] | int,
        timeout: float = 5.0,
    ) -> list[SentMessage]:
        """Wait until the accepted sends satisfy a predicate, or number at least N."""
        if isinstance(predicate_or_count, int):
            count = predicate_or_count

            def predicate(sent: list[SentMessage]) -> bool:
                return len(sent) >= count

            description = f"{count} sent messages"
        else:
            predicate = predicate_or_count
            description = getattr(predicate, "__name__", "predicate")
        await self._wait(predicate, timeout, description)
        return list(self._sent)

    async def wait_for_messages(
        self, chat_id: int | str | None = None, n: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until a chat (or all chats) has at least ``n`` accepted sends/edits."""
        if chat_id is None:
            return await self.wait_for(n, timeout)
        await self._wait(
            lambda _: len(self._sent_by_chat.get(chat_id, ())) >= n,
            timeout,
            f"{n} sent messages in chat {chat_id}",
        )
        return self.sent_messages(chat_id)

    async def wait_for_call(self, method: str, n: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``n`` times (accepted or rejected)."""
        await self._wait(
            lambda _: self._call_counts[method] >= n, timeout, f"{n} calls to {method}"
        )
        return [c for c in self.calls if c.method == method]

    async def _wait(
        self, predicate: Callable[[list[SentMessage]], bool], timeout: float, description: str
    ) -> None:
        if predicate(self._sent):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            recent = [(m.method, m.chat_id, m.text) for m in self._sent[-5:]]
            raise TimeoutError(
                f"waited {timeout}s for {description}; {len(self._sent)} sends recorded, "
                f"last: {recent}; rejected: {len(self.rejected)}"
            ) from None
        finally:
            self._waiters.remove(entry)

    def _notify(self) -> None:
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                if predicate(self._sent):
                    future.set_result(None)
            except Exception as exc:  # surface a broken predicate in the waiting test
                future.set_exception(exc)

    # ------------------------------------------------------------------ failure injection

    def block_chat(self, chat_id: int | str) -> None:
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        self._blocked.discard(chat_id)

    def rate_limit(
        self, chat_id: int | str | None = None, retry_after: int = 1, times: int = 1, skip: int = 0
    ) -> None:
        """Answer the next ``times`` sends (to ``chat_id``, or to any chat) with 429, after
        letting ``skip`` of them through (so the 429 can fall in the middle of a batch)."""
        self._rate_rules.append(_RateRule(chat_id, int(retry_after), times, skip))

    def fail_next(
        self, method: str, status: int = 502, times: int = 1, description: str | None = None
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status``.

        Note PTB maps 502 and other 5xx to NetworkError, but 401/404 to InvalidToken,
        which makes its polling loop give up for good.
        """
        if description is None:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = "Error"
        self._fail_rules.append(_FailRule(method.lower(), status, description, times))

    def fail_chat(self, chat_id: int | str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` sends to ``chat_id`` with ``status`` (a 5xx: PTB's NetworkError)."""
        try:
            description = HTTPStatus(status).phrase
        except ValueError:
            description = "Error"
        self._chat_faults.append(_ChatFault(chat_id, status, description, times))

    def drop_chat(self, chat_id: int | str, times: int = 1) -> None:
        """Close the connection of the next ``times`` sends to ``chat_id`` without any answer."""
        self._chat_faults.append(_ChatFault(chat_id, DROPPED, "connection dropped", times))

    def _chat_fault(self, method: str, params: dict[str, Any]) -> _ApiError | None:
        chat_id = params.get("chat_id")
        for rule in self._chat_faults:
            if rule.chat_id == chat_id and method in _SEND_METHODS:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._chat_faults.remove(rule)
                return _ApiError(rule.status, rule.description)
        return None

    def _precheck(self, method: str, params: dict[str, Any]) -> _ApiError | None:
        if self._chat_faults:
            fault = self._chat_fault(method, params)
            if fault is not None:
                return fault
        if self._fail_rules:
            lowered = method.lower()
            for rule in self._fail_rules:
                if rule.method == lowered:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._fail_rules.remove(rule)
                    return _ApiError(rule.status, rule.description)
        if method not in _CHAT_BOUND_METHODS:
            return None
        chat_id = params.get("chat_id")
        if chat_id in self._blocked:
            chat_type = self._chat(chat_id)["type"]
            description = {
                "private": "Forbidden: bot was blocked by the user",
                "group": "Forbidden: bot was kicked from the group chat",
                "supergroup": "Forbidden: bot was kicked from the supergroup chat",
            }.get(chat_type, "Forbidden: bot is not a member of the channel chat")
            return _ApiError(403, description)
        if method not in _SEND_METHODS:
            return None
        for rule in self._rate_rules:
            if rule.chat_id is None or rule.chat_id == chat_id:
                if rule.skip > 0:
                    rule.skip -= 1
                    break
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rate_rules.remove(rule)
                return self._too_many(rule.retry_after)
        if self._global_bucket is None and not self.per_chat_per_second:
            return None
        now = asyncio.get_running_loop().time()
        wait = 0.0
        chat_bucket = None
        if self._global_bucket is not None:
            wait = self._global_bucket.wait_time(now)
        if self.per_chat_per_second and chat_id is not None:
            chat_bucket = self._chat_buckets.get(chat_id)
            if chat_bucket is None:
                chat_bucket = self._chat_buckets[chat_id] = _TokenBucket(
                    self.per_chat_per_second, now
                )
            wait = max(wait, chat_bucket.wait_time(now))
        if wait > 0:
            return self._too_many(max(1, math.ceil(wait)))
        if self._global_bucket is not None:
            self._global_bucket.tokens -= 1.0
        if chat_bucket is not None:
            chat_bucket.tokens -= 1.0
        return None

    @staticmethod
    def _too_many(retry_after: int) -> _ApiError:
        return _ApiError(
            429,
            f"Too Many Requests: retry after {retry_after}",
            {"retry_after": retry_after},
        )

    # ------------------------------------------------------------------ injecting updates

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates, assigning ``update_id`` if missing."""
        update_id = update.get("update_id")
        if update_id is None:
            update_id = update["update_id"] = self._next_update_id
        elif self._pending and update_id <= self._pending[-1][0]:
            raise ValueError(f"update_id {update_id} is not newer than the queued updates")
        self._next_update_id = max(self._next_update_id, update_id + 1)
        kind = next((k for k in update if k != "update_id"), "")
        self._pending.append((update_id, kind, json.dumps(update)))
        if self._updates_event is not None:
            self._updates_event.set()
        return update

    def user_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "da",
        message_id: int | None = None,
        title: str | None = None,
        reply_to_message_id: int | None = None,
        push: bool = True,
    ) -> dict[str, Any]:
        """Build (and by default push) a message update from a user; returns the update."""
        user = self._remember_user(user_id, first_name, last_name, username, language_code)
        if chat_id is None:
            chat_id = user_id
        if chat_type == "private":
            chat = {"id": chat_id, "type": "private", "first_name": first_name}
            if last_name:
                chat["last_name"] = last_name
            if username:
                chat["username"] = username
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title or "Test group"}
        self._chats[chat_id] = chat
        if message_id is None:
            message_id = self._take_message_id(chat_id)
        else:
            self._next_message_id[chat_id] = max(
                self._next_message_id.get(chat_id, 1), message_id + 1
            )
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_message_id is not None:
            replied = self._messages.get((chat_id, reply_to_message_id))
            message["reply_to_message"] = replied or {
                "message_id": reply_to_message_id,
                "date": int(time.time()),
                "chat": chat,
            }
        self._messages[(chat_id, message_id)] = message
        update = {"message": message}
        return self.push_update(update) if push else update

    def group_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int = -1001234567890,
        chat_type: str = "supergroup",
        title: str = "Test group",
        **kwargs: Any,
    ) -> dict[str, Any]:
        """A user's message in a group (no privacy-mode filtering is applied)."""
        return self.user_message(
            user_id, text, chat_id=chat_id, chat_type=chat_type, title=title, **kwargs
        )

    def callback_press(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        chat_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "da",
        push: bool = True,
    ) -> dict[str, Any]:
        """Build (and by default push) a press on an inline button of ``message_id``."""
        user = self._remember_user(user_id, first_name, None, None, language_code)
        if chat_id is None:
            chat_id = user_id
        message = self._messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "text": "",
        }
        query_id = f"{user_id}{next(self._callback_counter):08d}"
        self._callback_ids.add(query_id)
        update = {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(abs(hash((self.bot_id, chat_id)))),
                "data": data,
            }
        }
        return self.push_update(update) if push else update

    def _remember_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    # ------------------------------------------------------------------ webhooks

    async def deliver_webhook(
        self,
        url: str,
        update: dict[str, Any],
        secret_token: str | None = None,
        *,
        timeout: float = 5.0,
    ) -> int:
        """POST an update to a (loopback) webhook like Telegram does; returns the HTTP status."""
        if not _is_loopback(url):
            raise ValueError(f"refusing to deliver to non-loopback URL {url!r}")
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(
            url,
            data=json.dumps(update),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            await response.read()
            return response.status

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if self.token is not None and token != self.token:
            return self._error_response(_ApiError(401, "Unauthorized"))
        if self._bot_id is None:
            self._bot_id = self._id_from_token(token)
        try:
            params = await self._read_params(request)
        except _ApiError as exc:
            return self._error_response(exc)
        lowered = request.match_info["method"].lower()
        if lowered == "getupdates":
            return await self._get_updates(params)
        entry = self._handlers.get(lowered)
        if entry is None:
            # Recorded so a test can see which unimplemented method the bot reached for.
            error = _ApiError(404, "Not Found: method not found")
            method = request.match_info["method"]
            self.calls.append(Call(method, params))
            self.rejected.append(Rejection(method, params, error.code, error.description))
            return self._error_response(error)
        method, handler = entry
        self.calls.append(Call(method, params))
        self._call_counts[method] += 1
        error = self._precheck(method, params)
        if error is None:
            try:
                result = handler(params)
            except _ApiError as exc:
                error = exc
        if error is not None:
            retry_after = error.parameters.get("retry_after") if error.parameters else None
            self.rejected.append(
                Rejection(method, params, error.code, error.description, retry_after)
            )
            if self._waiters:
                self._notify()
            if error.code == DROPPED and request.transport is not None:
                request.transport.abort()  # as a lost connection looks to the client: no answer at all
                return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)  # never reaches the client
            return self._error_response(error)
        if method in _SEND_METHODS:
            self.accepted_sends += 1
            now = asyncio.get_running_loop().time()
            self.sends_per_window[int(now - self._t0)] += 1
        if self._waiters:
            self._notify()
        return web.Response(
            text=json.dumps({"ok": True, "result": result}), content_type="application/json"
        )

    @staticmethod
    def _error_response(error: _ApiError) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": error.code,
            "description": error.description,
        }
        if error.parameters:
            body["parameters"] = error.parameters
        return web.Response(
            text=json.dumps(body), status=error.code, content_type="application/json"
        )

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {k: _coerce(k, v) for k, v in request.query.items()}
        if request.method != "POST" or not request.body_exists:
            return params
        content_type = request.content_type
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            files: dict[str, UploadedFile] = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(
                        value.filename, value.file.read(), value.content_type
                    )
                    value.file.close()
                else:
                    params[key] = _coerce(key, value)
            if files:
                self._attach_files(params, files)
        else:
            body = await request.read()
            if body:
                try:
                    decoded = json.loads(body)
                except ValueError:
                    raise _bad_request("can't parse JSON object") from None
                if isinstance(decoded, dict):
                    params.update(decoded)
        return params

    @staticmethod
    def _attach_files(params: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        # Files are referenced either by their field name (document=<file part>) or, for
        # media groups and thumbnails, by an "attach://<part>" string somewhere in a value.
        referenced: set[str] = set()

        def resolve(value: Any) -> Any:
            if isinstance(value, str) and value.startswith("attach://"):
                name = value[len("attach://") :]
                if name in files:
                    referenced.add(name)
                    return files[name]
                return value
            if isinstance(value, list):
                return [resolve(v) for v in value]
            if isinstance(value, dict):
                return {k: resolve(v) for k, v in value.items()}
            return value

        for key in list(params):
            params[key] = resolve(params[key])
        for name, uploaded in files.items():
            if name not in referenced:
                params[name] = uploaded

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        file_id = self._file_paths.get(request.match_info["path"])
        if file_id is None:
            return self._error_response(_ApiError(404, "Not Found"))
        uploaded = self._files[file_id]
        return web.Response(body=uploaded.data, content_type=uploaded.content_type)

    # ------------------------------------------------------------------ getUpdates

    async def _get_updates(self, params: dict[str, Any]) -> web.StreamResponse:
        self.poll_count += 1
        if self.record_polls:
            self.calls.append(Call("getUpdates", params))
        self._call_counts["getUpdates"] += 1
        error = self._precheck("getUpdates", params)
        if error is None and self.webhook is not None:
            error = _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        if error is not None:
            self.rejected.append(Rejection("getUpdates", params, error.code, error.description))
            return self._error_response(error)

        offset = int(params.get("offset") or 0)
        limit = min(100, max(1, int(params.get("limit") or 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if allowed is not None:
            # Like Telegram, the filter sticks until the next call that passes it.
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(offset)

        event = self._updates_event
        assert event is not None
        # Telegram ends an older long poll with 409 when a newer one arrives.
        self._poll_generation += 1
        generation = self._poll_generation
        if self._active_polls:
            event.set()
        self._active_polls += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                batch = self._collect(limit)
                if batch or self._closing:
                    break
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                event.clear()
                try:
                    async with asyncio.timeout(remaining):
                        await event.wait()
                except TimeoutError:
                    pass
                if generation != self._poll_generation and not self._closing:
                    # Not in `rejected`: the superseded poll is usually one PTB already
                    # abandoned at shutdown, and nobody is reading its answer.
                    self.poll_conflicts += 1
                    return self._error_response(
                        _ApiError(
                            409,
                            "Conflict: terminated by other getUpdates request; "
                            "make sure that only one bot instance is running",
                        )
                    )
        finally:
            self._active_polls -= 1
        return web.Response(
            text='{"ok":true,"result":[' + ",".join(batch) + "]}",
            content_type="application/json",
        )

    def _confirm(self, offset: int) -> None:
        pending = self._pending
        if offset > 0:
            while pending and pending[0][0] < offset:
                pending.popleft()
        elif offset < 0:
            while len(pending) > -offset:
                pending.popleft()

    def _collect(self, limit: int) -> list[str]:
        allowed = self._allowed_updates
        if allowed is None:
            matching: Iterable[tuple[int, str, str]] = (
                u for u in self._pending if u[1] not in _OPT_IN_UPDATE_TYPES
            )
        else:
            matching = (u for u in self._pending if u[1] in allowed)
        return [u[2] for u in itertools.islice(matching, limit)]

    # ------------------------------------------------------------------ chats & messages

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if isinstance(chat_id, str):
            chat = {"id": -1001000000000 - len(self._chats), "type": "channel", "title": chat_id}
            chat["username"] = chat_id.lstrip("@")
        elif chat_id > 0:
            user = self._users.get(chat_id, {})
            chat = {"id": chat_id, "type": "private", "first_name": user.get("first_name", "Test")}
        elif chat_id <= -1000000000000:
            chat = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
        else:
            chat = {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _take_message_id(self, chat_id: int | str) -> int:
        # User and bot messages share one sequence per chat, as in a real private chat.
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _require_chat_id(self, params: dict[str, Any]) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        return chat_id

    def _check_text(self, text: Any, parse_mode: str | None, *, caption: bool = False) -> None:
        if not self.validate or text is None:
            return
        if not isinstance(text, str):
            raise _bad_request("wrong type of the text")
        visible = _visible_text(text, parse_mode)
        if caption:
            if len(visible) > _CAPTION_LIMIT:
                raise _bad_request("message caption is too long")
        elif not visible.strip():
            raise _bad_request("message text is empty")
        elif len(visible) > _TEXT_LIMIT:
            raise _bad_request("message is too long")

    def _check_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if self.validate and "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    if not _INLINE_BUTTON_ACTIONS.intersection(button):
                        raise _bad_request("text buttons are unallowed in the inline keyboard")
                    data = button.get("callback_data")
                    if data is not None and (
                        not data or len(str(data).encode("utf-8")) > _CALLBACK_DATA_LIMIT
                    ):
                        raise _bad_request("BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def _visible_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        # Telegram only echoes inline keyboards back in the returned Message.
        return markup if markup is not None and "inline_keyboard" in markup else None

    def _record(self, sent: SentMessage) -> None:
        self._sent.append(sent)
        if sent.chat_id is not None:
            self._sent_by_chat[sent.chat_id].append(sent)

    def _replied_message(
        self, chat_id: int | str, params: dict[str, Any]
    ) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {"message_id": params["reply_to_message_id"]}
        if not reply:
            return None
        replied = self._messages.get((reply.get("chat_id", chat_id), reply.get("message_id")))
        if replied is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise _bad_request("message to be replied not found")
        # Telegram never nests replies more than one level deep.
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    def _new_message(
        self,
        chat_id: int | str,
        markup: dict[str, Any] | None,
        params: dict[str, Any],
        **content: Any,
    ) -> dict[str, Any]:
        replied = self._replied_message(chat_id, params)
        message = {
            "message_id": self._take_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **content,
        }
        if replied is not None:
            message["reply_to_message"] = replied
        visible = self._visible_markup(markup)
        if visible is not None:
            message["reply_markup"] = visible
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _editable(self, params: dict[str, Any]) -> tuple[int | str, dict[str, Any]]:
        chat_id = self._require_chat_id(params)
        message = self._messages.get((chat_id, params.get("message_id")))
        if message is None:
            raise _bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _bad_request("message can't be edited")
        return chat_id, message

    def _not_modified(self) -> _ApiError:
        return _bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )

    # ------------------------------------------------------------------ API methods

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if not url:
            self.webhook = None
            return True
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections", 40),
        }
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat_id(params)
        text = params.get("text")
        if text is None:
            raise _bad_request("message text is empty")
        parse_mode = params.get("parse_mode")
        self._check_text(text, parse_mode)
        markup = self._check_markup(params.get("reply_markup"))
        message = self._new_message(chat_id, markup, params, text=text)
        self._record(
            SentMessage(
                "sendMessage",
                chat_id,
                message["message_id"],
                text,
                markup,
                parse_mode,
                params,
            )
        )
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text = params.get("text")
        parse_mode = params.get("parse_mode")
        if text is None:
            raise _bad_request("message text is empty")
        self._check_text(text, parse_mode)
        markup = self._check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            self._record(
                SentMessage("editMessageText", None, None, text, markup, parse_mode, params)
            )
            return True
        chat_id, message = self._editable(params)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        # Omitting reply_markup in an edit removes the keyboard, as on Telegram.
        visible = self._visible_markup(markup)
        if message["text"] == text and message.get("reply_markup") == visible:
            raise self._not_modified()
        updated = {**message, "text": text, "edit_date": int(time.time())}
        updated.pop("reply_markup", None)
        if visible is not None:
            updated["reply_markup"] = visible
        self._messages[(chat_id, message["message_id"])] = updated
        self._record(
            SentMessage(
                "editMessageText",
                chat_id,
                message["message_id"],
                text,
                markup,
                parse_mode,
                params,
            )
        )
        return updated

    def _api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        self._check_text(caption, parse_mode, caption=True)
        markup = self._check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            self._record(
                SentMessage("editMessageCaption", None, None, caption, markup, parse_mode, params)
            )
            return True
        chat_id, message = self._editable(params)
        if "text" in message:
            raise _bad_request("there is no caption in the message to edit")
        visible = self._visible_markup(markup)
        if message.get("caption") == caption and message.get("reply_markup") == visible:
            raise self._not_modified()
        updated = {**message, "edit_date": int(time.time())}
        updated.pop("caption", None)
        updated.pop("reply_markup", None)
        if caption:
            updated["caption"] = caption
        if visible is not None:
            updated["reply_markup"] = visible
        self._messages[(chat_id, message["message_id"])] = updated
        self._record(
            SentMessage(
                "editMessageCaption",
                chat_id,
                message["message_id"],
                caption,
                markup,
                parse_mode,
                params,
            )
        )
        return updated

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = self._check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            self._record(
                SentMessage("editMessageReplyMarkup", None, None, None, markup, None, params)
            )
            return True
        chat_id, message = self._editable(params)
        visible = self._visible_markup(markup)
        if message.get("reply_markup") == visible:
            raise self._not_modified()
        updated = {**message, "edit_date": int(time.time())}
        updated.pop("reply_markup", None)
        if visible is not None:
            updated["reply_markup"] = visible
        self._messages[(chat_id, message["message_id"])] = updated
        self._record(
            SentMessage(
                "editMessageReplyMarkup",
                chat_id,
                message["message_id"],
                message.get("text", message.get("caption")),
                markup,
                None,
                params,
            )
        )
        return updated

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        """The Bot API's rules: only a message sent less than 48 hours ago; a bot deletes its own
        messages, and in a private chat the other side's too; elsewhere others' only as an admin
        (not modelled: the fake's bot is never a group admin)."""
        chat_id = self._require_chat_id(params)
        message_id = params.get("message_id")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _bad_request("message to delete not found")
        own = message.get("from", {}).get("id") == self.bot_id
        private = message.get("chat", {}).get("type") == "private"
        if time.time() - message.get("date", 0) >= _DELETE_WINDOW or not (own or private):
            raise _bad_request("message can't be deleted")
        del self._messages[(chat_id, message_id)]
        self.deleted.append((chat_id, message_id))
        return True

    def backdate(self, chat_id: int | str, message_id: int, seconds: float) -> None:
        """Make a message look `seconds` older (to test the 48-hour limit on deleting it)."""
        self._messages[(chat_id, message_id)]["date"] -= int(seconds)

    def present(self, chat_id: int | str) -> list[int]:
        """Ids of the messages still in a chat (sent and not deleted), as the person sees it."""
        return sorted(m for c, m in self._messages if c == chat_id)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if params.get("callback_query_id") not in self._callback_ids:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.answered_callbacks.append(params)
        return True

    def _store_file(self, uploaded: UploadedFile, folder: str) -> tuple[str, str]:
        number = next(self._file_counter)
        file_id = f"BQACAgQAAxkBAAI{number:06d}fake"
        suffix = uploaded.filename.rsplit(".", 1)[1] if "." in uploaded.filename else "bin"
        self._files[file_id] = uploaded
        self._file_paths[f"{folder}/file_{number}.{suffix}"] = file_id
        return file_id, f"unique{number}"

    def _resolve_upload(self, value: Any, kind: str) -> tuple[UploadedFile | None, str, str]:
        if isinstance(value, UploadedFile):
            file_id, unique_id = self._store_file(value, f"{kind}s")
            return value, file_id, unique_id
        if isinstance(value, str) and value in self._files:
            return self._files[value], value, f"unique-{value[-12:]}"
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            # Telegram would fetch the URL; the fake never leaves loopback, so no bytes.
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            file_id, unique_id = self._store_file(UploadedFile(name, b""), f"{kind}s")
            return None, file_id, unique_id
        raise _bad_request("wrong file identifier/HTTP URL specified")

    def _send_file(self, params: dict[str, Any], kind: str, method: str) -> dict[str, Any]:
        chat_id = self._require_chat_id(params)
        if params.get(kind) is None:
            raise _bad_request(f"there is no {kind} in the request")
        caption = params.get("caption")
        parse_mode = params.get("parse_mode")
        self._check_text(caption, parse_mode, caption=True)
        markup = self._check_markup(params.get("reply_markup"))
        uploaded, file_id, unique_id = self._resolve_upload(params[kind], kind)
        stored = self._files[file_id]
        size = len(uploaded.data) if uploaded else 0
        content: dict[str, Any] = {}
        if kind == "photo":
            content["photo"] = [
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": 800,
                    "height": 600,
                    "file_size": size,
                }
            ]
        else:
            content["document"] = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": stored.filename,
                "mime_type": stored.content_type,
                "file_size": size,
            }
        if caption:
            content["caption"] = caption
        message = self._new_message(chat_id, markup, params, **content)
        document = SentDocument(
            chat_id,
            message["message_id"],
            stored.filename,
            uploaded.data if uploaded else None,
            caption,
            file_id,
            stored.content_type,
        )
        self._documents[chat_id].append(document)
        self._record(
            SentMessage(
                method,
                chat_id,
                message["message_id"],
                caption,
                markup,
                parse_mode,
                params,
                document,
            )
        )
        return message

    def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "document", "sendDocument")

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "photo", "sendPhoto")

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        if file_id not in self._files:
            raise _bad_request("invalid file_id")
        path = next(p for p, f in self._file_paths.items() if f == file_id)
        return {
            "file_id": file_id,
            "file_unique_id": f"unique-{file_id[-12:]}",
            "file_size": len(self._files[file_id].data),
            "file_path": path,
        }

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        chat_id = self._require_chat_id(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, action))
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "")
            # Telegram only accepts lowercase latin command names.
            if not _BOT_COMMAND_NAME_RE.match(name) or not command.get("description"):
                raise _bad_request("BOT_COMMAND_INVALID")
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        return self._commands.get(key, [])

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        key = (_scope_key(params.get("scope")), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    def _api_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button") or {
            "type": "default"
        }
        return True

    def _api_getChatMenuButton(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "default"}

    def _api_setMyDescription(self, params: dict[str, Any]) -> bool:
        self.bot_settings.setdefault("description", {})[params.get("language_code") or ""] = (
            params.get("description") or ""
        )
        return True

    def _api_setMyShortDescription(self, params: dict[str, Any]) -> bool:
        self.bot_settings.setdefault("short_description", {})[
            params.get("language_code") or ""
        ] = params.get("short_description") or ""
        return True

    def _api_setMyName(self, params: dict[str, Any]) -> bool:
        self.bot_settings.setdefault("name", {})[params.get("language_code") or ""] = (
            params.get("name") or ""
        )
        return True

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._require_chat_id(params)
        if chat_id not in self._chats:
            raise _bad_request("chat not found")
        chat = self._chats[chat_id]
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
