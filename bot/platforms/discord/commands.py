"""Slash commands generated from the core's command registry, named and described in Danish and English."""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Optional  # evaluated by discord.py from the callback's annotations

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation, locale_str

from bot.platforms.discord.strings import command_name, text
from content.i18n import LANGUAGES, normalise_language, t
from handlers.core.context import Command, Registry

# Commands that take words after the name (/start CODE); the others take none.
WITH_PAYLOAD = frozenset({"start"})
# Fields Discord documents for global commands only; a server-scoped sync leaves them out.
GLOBAL_ONLY = ("contexts", "integration_types", "dm_permission")
NAME_MAX, DESCRIPTION_MAX = 32, 100
_NAMES = (TranslationContextLocation.command_name, TranslationContextLocation.parameter_name)

RunCommand = Callable[[discord.Interaction, str, tuple[str, ...]], Awaitable[None]]


def menu_commands(routes: Registry) -> list[Command]:
    """The registry's commands that belong in the slash menu: listed ones a citizen may use.

    Organiser and facilitator commands still work typed in a DM (/name args); the core checks roles.
    """
    return [c for c in routes.commands.values() if c.listed and "citizen" in c.roles]


class SamtaleTranslator(app_commands.Translator):
    """Names and descriptions from the locale files: Danish for da (and Norwegian) clients, else English."""

    async def translate(self, string: locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        lang = normalise_language(locale.value)
        key = string.extras.get("key")
        if lang is None or key is None:
            return None
        value = text(lang, key, default=string.message)
        if context.location in _NAMES:
            return value.lower()[:NAME_MAX]
        return value[:DESCRIPTION_MAX]


def _bare(name: str, run: RunCommand):
    async def callback(interaction: discord.Interaction) -> None:
        await run(interaction, name, ())
    return callback


def _with_payload(name: str, run: RunCommand):
    @app_commands.rename(payload=locale_str("payload", key="discord.payload_name"))
    @app_commands.describe(payload=locale_str(text("en", "discord.payload_description"),
                                              key="discord.payload_description"))
    async def callback(interaction: discord.Interaction,
                       payload: Optional[app_commands.Range[str, 1, 64]] = None) -> None:
        await run(interaction, name, tuple(payload.split()) if payload else ())
    return callback


def build_commands(run: RunCommand, routes: Registry) -> list[app_commands.Command]:
    """One slash command per menu command; English is the default, Danish a localization."""
    out = []
    for command in menu_commands(routes):
        make = _with_payload if command.name in WITH_PAYLOAD else _bare
        out.append(app_commands.Command(
            name=locale_str(command.name, key=f"discord.names.{command.name}"),
            description=locale_str(t("en", command.description_key)[:DESCRIPTION_MAX], key=command.description_key),
            callback=make(command.name, run),
            # In servers and in the bot's DMs; not installable on a user account.
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
            allowed_installs=app_commands.AppInstallationType(guild=True),
        ))
    return out


class SamtaleTree(app_commands.CommandTree):
    """The slash command tree; a command Discord still shows but the code no longer has goes to the core."""

    def __init__(self, client: discord.Client, run: RunCommand, routes: Registry) -> None:
        super().__init__(client)
        self.run = run
        for command in build_commands(run, routes):
            self.add_command(command)

    async def sync(self, *, guild: discord.abc.Snowflake | None = None) -> list[app_commands.AppCommand]:
        """As discord.py's, but a server's commands leave out what Discord documents for global commands
        only (`contexts`, `integration_types`, `dm_permission`): a server command is used in that server."""
        if guild is None:
            return await super().sync()
        commands = self._get_all_commands(guild=guild)
        translator = self.translator
        payload = [await c.get_translated_payload(self, translator) if translator else c.to_dict(self)
                   for c in commands]
        for command in payload:
            for key in GLOBAL_ONLY:
                command.pop(key, None)
        try:
            data = await self._http.bulk_upsert_guild_commands(self.client.application_id, guild.id, payload=payload)
        except discord.HTTPException as exc:
            if exc.status == 400 and exc.code == 50035:
                raise app_commands.CommandSyncFailure(exc, commands) from None
            raise
        return [app_commands.AppCommand(data=d, state=self._state) for d in data]

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        stale = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)
        if isinstance(error, stale) and not interaction.response.is_done():
            data = interaction.data or {}
            args = tuple(str(o["value"]) for o in data.get("options", []) if "value" in o)  # type: ignore[union-attr]
            await self.run(interaction, str(data.get("name", "")), args)
            return
        await super().on_error(interaction, error)


def aliases(routes: Registry) -> dict[str, str]:
    """Every name a command goes by, in any language, mapped to its registry name."""
    out: dict[str, str] = {}
    for name in routes.commands:
        out[name] = name
        for lang in LANGUAGES:
            out.setdefault(command_name(lang, name), name)
    return out


def parse_text_command(typed: str, routes: Registry) -> tuple[str, tuple[str, ...]] | None:
    """'/mine-data' or '/start CODE' typed as a plain DM → (registry name, args); other text → None."""
    stripped = typed.strip()
    if len(stripped) < 2 or stripped[0] != "/" or stripped[1].isspace():
        return None
    head, *args = stripped[1:].split()
    name = head.split("@", 1)[0].lower()
    return aliases(routes).get(name, name), tuple(args)


def with_command_mentions(message: str, ids: Mapping[str, int]) -> str:
    """'/mydata' → '</mydata:ID>': Discord shows it as a clickable command in the reader's language."""
    if not ids:
        return message
    names = "|".join(re.escape(n) for n in sorted(ids, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w/<:.])/({names})(?![\w-])")
    return pattern.sub(lambda m: f"</{m.group(1)}:{ids[m.group(1)]}>", message)
