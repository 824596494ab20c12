"""Telegram → Samtale: one PTB Update becomes one neutral Incoming (or None: not for the core)."""
from __future__ import annotations

import logging
import re

from telegram import Chat, Message, Update

from handlers.core.context import Registry
from handlers.core.types import Incoming
from storage.clock import system_clock

log = logging.getLogger(__name__)

PLATFORM = "telegram"

# t.me/<bot>?start=<payload>: Telegram allows up to 64 characters of A-Z, a-z, 0-9, _ and -.
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
# "/cmd", "/cmd@some_bot", then the arguments. Like the console, anything after "/" up to a space
# or "@" is taken as the command name, so "/hjælp" is answered as an unknown command, not stored.
_COMMAND = re.compile(r"/(?P<name>[^\s@/][^\s@]*)(?:@(?P<bot>\S*))?(?:\s+(?P<rest>.*))?\Z", re.DOTALL)


def chat_type(chat: Chat) -> str:
    """The core's three kinds: private, group (groups and supergroups), channel."""
    if chat.type == Chat.PRIVATE:
        return "private"
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return "group"
    return "channel"


def parse_command(text: str) -> tuple[str, str | None, tuple[str, ...]] | None:
    """'/Start@Samtale_bot  abc' → ('start', 'samtale_bot', ('abc',)); None when it is not a command."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    bot = match["bot"]
    rest = match["rest"] or ""
    return match["name"].lower(), (bot.lower() if bot is not None else None), tuple(rest.split())


def start_args(args: tuple[str, ...]) -> tuple[str, ...]:
    """A deep-link payload reaches the core only if Telegram could have produced it."""
    if len(args) == 1 and START_PAYLOAD.match(args[0]):
        return args
    if args:
        log.info("telegram: /start with an invalid payload; ignored")
    return ()


def _addressed(name: str, to_bot: str | None, bot_username: str | None, routes: Registry) -> bool:
    """In a group: is this command for us?

    Telegram's privacy mode (the default) already delivers only commands, replies to the bot and
    service messages. We answer `/cmd@our_bot` always, and a plain `/cmd` only if it is one of ours:
    with several bots in a group, a plain `/cmd` we don't know is most likely for another bot, and a
    `/cmd@other_bot` certainly is.
    """
    if to_bot is not None:
        return bot_username is not None and to_bot == bot_username.lower()
    return name in routes.commands


def _to_us(message: Message, text: str, bot_username: str | None) -> bool:
    """A group message that mentions the bot by its @name or replies to one of its messages."""
    if not bot_username:
        return False
    name = bot_username.lower()
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    if author is not None and author.is_bot and (author.username or "").lower() == name:
        return True
    return f"@{name}" in text.lower()


def _text_of(message: Message) -> str | None:
    if message.text is not None:
        return message.text
    return message.caption


def to_incoming(update: Update, *, bot_username: str | None, routes: Registry) -> Incoming | None:
    """The neutral Incoming for an update, or None when the core has nothing to do with it."""
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None or query.data is None:
            return None  # a press on an inline-mode message or a game button: not ours
        user = query.from_user
        return Incoming(
            platform=PLATFORM, chat_id=str(message.chat.id), user_id=str(user.id), action=query.data,
            locale_hint=user.language_code, message_id=f"c{query.id}", chat_type=chat_type(message.chat),
            display_name=user.first_name, received_at=system_clock(),
        )

    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    kind = chat_type(message.chat)
    if kind == "channel":
        return None
    user = message.from_user
    common = dict(
        platform=PLATFORM, chat_id=str(message.chat.id), user_id=str(user.id), locale_hint=user.language_code,
        message_id=f"m{message.message_id}", chat_type=kind, display_name=user.first_name,
        received_at=message.date or system_clock(),
    )
    text = _text_of(message)
    parsed = parse_command(text) if text is not None and text.lstrip().startswith("/") else None
    if parsed is not None:
        name, to_bot, args = parsed
        if kind == "group" and not _addressed(name, to_bot, bot_username, routes):
            return None
        if name == "start":
            args = start_args(args)
        return Incoming(command=name, args=args, **common)
    if kind != "private":
        # Reflections are never collected in groups: plain text there reaches the core only when it is
        # addressed to us (an @mention, a reply to us), so the core can point it to a private chat, or
        # meet crisis words with its neutral offer rather than silence. Nothing of it is stored.
        if text is None or not _to_us(message, text, bot_username):
            return None
    if text is None:
        if message.effective_attachment is None:
            return None  # a service message (pinned, chat photo changed…): nothing was said
        # A sticker, voice note or photo without a caption: the core answers it as an empty message.
        text = ""
    return Incoming(text=text, **common)
