"""The Telegram command menu (the "/" button), generated from the core's command registry."""
from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeAllGroupChats, BotCommandScopeDefault
from telegram.error import TelegramError

from content.i18n import LANGUAGES, t
from handlers.core.context import Registry

log = logging.getLogger(__name__)

# Telegram accepts 1-32 lowercase latin letters, digits and underscores, and 1-256 characters of text.
_NAME = re.compile(r"[a-z0-9_]{1,32}\Z")
_MAX_COMMANDS = 100
_MAX_DESCRIPTION = 256
# First in the menu, where people look; the rest follow in the registry's order.
_FIRST = ("start", "help")


def menu(routes: Registry, lang: str, *, group: bool = False) -> list[BotCommand]:
    """Listed commands with descriptions in `lang`; in groups only those that work there."""
    out = []
    ordered = sorted(routes.commands.values(), key=lambda c: _FIRST.index(c.name) if c.name in _FIRST else len(_FIRST))
    for command in ordered:
        if not command.listed or (group and command.private_only):
            continue
        if not _NAME.match(command.name):
            log.warning("telegram: command %r can't be in Telegram's menu (a-z, 0-9, _ only)", command.name)
            continue
        out.append(BotCommand(command.name, t(lang, command.description_key)[:_MAX_DESCRIPTION]))
    return out[:_MAX_COMMANDS]


def _plain(commands: list[BotCommand]) -> list[tuple[str, str]]:
    return [(c.command, c.description) for c in commands]


async def sync_menus(bot: Bot, routes: Registry, *, default_language: str = "da",
                     languages: tuple[str, ...] = LANGUAGES) -> int:
    """Set the menu for every language (and the default, for clients in other languages).

    Private chats get every listed command (default scope); groups only those that are not
    private-only. A menu that is already right is left alone, so restarting several processes
    doesn't spend Telegram's rate limit. Returns how many menus were changed; a failure is
    logged, never fatal: the bot works without a menu.
    """
    scopes: list[tuple[BotCommandScope, bool]] = [(BotCommandScopeDefault(), False),
                                                   (BotCommandScopeAllGroupChats(), True)]
    changed = 0
    for scope, group in scopes:
        for code in ("", *languages):
            wanted = menu(routes, code or default_language, group=group)
            try:
                current = await bot.get_my_commands(scope=scope, language_code=code or None)
                if _plain(list(current)) == _plain(wanted):
                    continue
                if wanted:
                    await bot.set_my_commands(wanted, scope=scope, language_code=code or None)
                else:
                    await bot.delete_my_commands(scope=scope, language_code=code or None)
                changed += 1
            except TelegramError as exc:
                log.warning("telegram: could not set the command menu (%s, %r): %s", scope.type, code, exc)
    return changed
