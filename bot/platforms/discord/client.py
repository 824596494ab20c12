"""The Discord client: DMs, mentions, slash commands and button presses in; the core's answers out."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.platforms.discord.announcements import announce_forever
from bot.platforms.discord.buttons import OFFER, Keyboards, SamtaleButton
from bot.platforms.discord.commands import SamtaleTranslator, SamtaleTree, parse_text_command
from bot.platforms.discord.delivery import ChannelOut, InteractionOut, Out, deliver, mark_unreachable
from bot.platforms.discord.strings import text
from content.i18n import normalise_language, t
from bot.app import FEATURES
from bot.platforms.sent_log import SentLog
from handlers.core.context import Registry
from handlers.core.types import DeleteMessages, Incoming, Intent, Reply, ReplyKind

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)

PLATFORM = "discord"


def gateway_intents() -> discord.Intents:
    """Only what Samtale needs.

    - guilds: the servers and channels the bot is in, so slash commands and buttons there resolve.
    - dm_messages: DMs carry the conversation. Their text arrives WITHOUT the privileged message content
      intent: Discord always gives a bot the content of DMs to it and of messages that mention it.
    - guild_messages: to notice an @mention in a server channel and point the person to a DM. Without
      message content the bot cannot read any other server message, and has no wish to.
    No members, presences or message content (all privileged), no reactions, typing or voice.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.dm_messages = True
    intents.guild_messages = True
    return intents


class SamtaleClient(discord.Client):
    """One bot account serving Samtale; holds no conversation state of its own (the database does)."""

    def __init__(self, app: App | None, *, settings: Settings | None = None) -> None:
        super().__init__(
            intents=gateway_intents(),
            # No message cache: what people write in DMs is not kept in the library's memory.
            max_messages=None,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            # Nothing Samtale sends pings anyone, whatever text a reply quotes.
            allowed_mentions=discord.AllowedMentions.none(),
            # 429s: discord.py's buckets wait out short limits; one over 30 s raises RateLimited instead
            # (a reply is then dropped and logged; the outbox reschedules its sends).
            max_ratelimit_timeout=30.0,
        )
        self.app = app
        self.sent_log = SentLog(app.sessions, PLATFORM, app.clock) if app is not None else None
        self.settings = settings if settings is not None else app.settings  # type: ignore[union-attr]
        # `samtale discord sync` has no App: the menu comes from every feature, as the App's would.
        self.routes = app.dispatcher.routes if app is not None else Registry.assemble(FEATURES)
        self.tree = SamtaleTree(self, self.on_samtale_command, self.routes)
        self.keyboards = Keyboards()
        # Synced command ids per guild (None: global), to write "/mydata" as a clickable command mention.
        self.command_ids: dict[int | None, dict[str, int]] = {}
        self._announcer: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(SamtaleButton)
        await self.tree.set_translator(SamtaleTranslator())
        if self.app is not None:
            await self.load_command_ids()
            # Events in the configured channels; the loop itself waits for READY (the guild cache).
            self._announcer = asyncio.create_task(
                announce_forever(self.app.sessions, self, self.app.clock,
                                 language=self.settings.events.channel_language),
                name="discord-announcements")

    async def close(self) -> None:
        if self._announcer is not None:
            self._announcer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._announcer
            self._announcer = None
        if self.sent_log is not None:
            self.sent_log.flush()
        await super().close()

    async def load_command_ids(self) -> None:
        for guild_id in (None, *self.settings.discord.dev_guilds):
            try:
                synced = await self.tree.fetch_commands(guild=discord.Object(guild_id) if guild_id else None)
            except discord.HTTPException as exc:
                log.warning("could not fetch slash commands (guild %s): %s", guild_id, exc)
                continue
            self.command_ids[guild_id] = {c.name: c.id for c in synced}

    def mentions_for(self, guild_id: int | None) -> dict[str, int]:
        return self.command_ids.get(guild_id) or self.command_ids.get(None) or {}

    async def sync(self, *, everywhere: bool = False) -> list[str]:
        """Register the slash commands: in each configured dev guild (instant), else globally."""
        done = []
        guilds = [] if everywhere else list(self.settings.discord.dev_guilds)
        for guild_id in guilds:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            done.append(f"guild {guild_id}: {', '.join('/' + c.name for c in synced)}")
        if not guilds:
            synced = await self.tree.sync()
            done.append(f"global: {', '.join('/' + c.name for c in synced)}")
        return done

    # -- messages ---------------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or self.app is None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        if isinstance(message.channel, discord.DMChannel):
            await self._direct_message(message)
        elif message.guild is not None and self.user is not None \
                and any(u.id == self.user.id for u in message.mentions):
            await self._mention(message)

    def _from_message(self, message: discord.Message, typed: str, *, chat_type: str,
                      locale_hint: str | None) -> Incoming:
        common = dict(platform=PLATFORM, chat_id=str(message.channel.id), user_id=str(message.author.id),
                      message_id=str(message.id), chat_type=chat_type, locale_hint=locale_hint,
                      display_name=message.author.display_name)
        parsed = parse_text_command(typed, self.routes)
        if parsed is not None:
            return Incoming(command=parsed[0], args=parsed[1], **common)
        return Incoming(text=typed, **common)

    async def _direct_message(self, message: discord.Message) -> None:
        # A DM carries no locale; the person's chosen language (or Danish) applies.
        inc = self._from_message(message, message.content, chat_type="private", locale_hint=None)
        intents = await self._handle(inc)
        await self._deliver(intents, ChannelOut(message.channel, message.author.id, self.keyboards),
                            message.author.id, None)

    async def _mention(self, message: discord.Message) -> None:
        """In a server nothing is collected: answer commands that are public, point everything else to a DM."""
        typed = re.sub(rf"<@!?{self.user.id}>", " ", message.content).strip()  # type: ignore[union-attr]
        guild_locale = message.guild.preferred_locale  # type: ignore[union-attr]
        inc = self._from_message(message, typed, chat_type="group",
                                 locale_hint=guild_locale.value if guild_locale else None)
        # The core answers: a command's reply, a pointer to a DM, a crisis offer, or nothing (flood).
        intents = await self._handle(inc)
        crisis = await self._crisis_by_dm(message.author, intents, inc.locale_hint, message.id)
        offer = (inc.command, inc.args) if inc.command else ("start", ())
        # A crisis offer is never a reply to the message: that would point at what was said.
        out = ChannelOut(message.channel, message.author.id, self.keyboards, reference=None if crisis else message)
        await self._deliver(intents, out, message.author.id, message.guild.id, offer=offer)  # type: ignore[union-attr]

    # -- interactions -----------------------------------------------------------------------------
    def _from_interaction(self, interaction: discord.Interaction, **what: object) -> Incoming:
        return Incoming(platform=PLATFORM, chat_id=str(interaction.channel_id), user_id=str(interaction.user.id),
                        locale_hint=interaction.locale.value, message_id=str(interaction.id),
                        chat_type="private" if interaction.guild_id is None else "group",
                        display_name=interaction.user.display_name, **what)  # type: ignore[arg-type]

    async def on_samtale_command(self, interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> None:
        """A slash command: acknowledged at once ("thinking…", only visible to them in a server), then answered."""
        in_server = interaction.guild_id is not None
        if not await _acknowledge(interaction, ephemeral=in_server, thinking=True):
            return
        inc = self._from_interaction(interaction, command=name, args=args)
        intents = await self._handle(inc)
        if not intents:  # already handled (a redelivered interaction): remove the "thinking…"
            await _quietly(interaction.delete_original_response())
            return
        await self._crisis_by_dm(interaction.user, intents, inc.locale_hint, interaction.id)
        out = InteractionOut(interaction, self.keyboards, ephemeral=in_server)
        await self._deliver(intents, out, interaction.user.id, interaction.guild_id,
                            offer=(name, args) if in_server else None)

    async def on_samtale_press(self, interaction: discord.Interaction, kind: str, value: str) -> None:
        """A Samtale button, however old: the core decides whether it is still active."""
        if kind == OFFER:
            await self._continue_in_dm(interaction, value)
            return
        in_server = interaction.guild_id is not None
        if not await _acknowledge(interaction):
            return
        intents = await self._handle(self._from_interaction(interaction, action=value))
        out = InteractionOut(interaction, self.keyboards, ephemeral=in_server, pressed=interaction.message)
        await self._deliver(intents, out, interaction.user.id, interaction.guild_id)

    async def _continue_in_dm(self, interaction: discord.Interaction, value: str) -> None:
        """'Message me privately': run the command in a DM with the presser and tell them, only them."""
        if not value.startswith("dm:") or not await _acknowledge(interaction, ephemeral=True, thinking=True):
            return
        command, *args = value[3:].split() or ["start"]
        lang = normalise_language(interaction.locale.value) or self.settings.default_language
        reached = await self._in_dm(interaction.user, command, tuple(args), interaction.locale.value, interaction.id)
        crisis = None if reached or self.app is None else self.app.dispatcher.crisis_reply_for(
            PLATFORM, str(interaction.user.id), tuple(args), interaction.locale.value)
        if crisis is not None:
            # Their DMs are closed: the crisis reply still reaches them privately, in an answer only they see.
            await _quietly(interaction.followup.send(crisis.text, ephemeral=True))
        await _quietly(interaction.followup.send(text(lang, "discord.dm_sent" if reached else "discord.dm_blocked"),
                                                 ephemeral=True))

    async def _in_dm(self, user: discord.abc.User, command: str, args: tuple[str, ...], locale_hint: str | None,
                     event_id: int) -> bool:
        """Run a command through the core in the person's DM and deliver its answer there (True if it arrived)."""
        try:
            channel = await user.create_dm()
        except discord.HTTPException as exc:
            log.warning("could not open a DM: %s %s", exc.status, exc.code)
            return False
        inc = Incoming(platform=PLATFORM, chat_id=str(channel.id), user_id=str(user.id), command=command, args=args,
                       locale_hint=locale_hint, message_id=str(event_id), chat_type="private",
                       display_name=user.display_name)
        intents = await self._handle(inc)
        return await self._deliver(intents, ChannelOut(channel, user.id, self.keyboards), user.id, None)

    async def _crisis_by_dm(self, user: discord.abc.User, intents: Sequence[Intent], locale_hint: str | None,
                            event_id: int) -> bool:
        """The core's crisis offer in a server: the crisis reply goes to the person's DM at once, where
        Discord lets us (the offer's button tries again). True if there was a crisis offer."""
        payload = next((i.start_payload for i in intents if isinstance(i, Reply)
                        and i.kind is ReplyKind.CRISIS_OFFER and i.start_payload), None)
        if payload is None:
            return False
        await self._in_dm(user, "start", (payload,), locale_hint, event_id)
        return True

    async def _handle(self, inc: Incoming) -> list[Intent]:
        """The core's answer; if the core itself is unreachable (database down), a plain apology."""
        assert self.app is not None
        try:
            return await self.app.dispatcher.handle(inc)
        except Exception:
            log.exception("the core failed on a discord %s", "command" if inc.command else "message")
            return [Reply(t(self.app.dispatcher.language_for(inc, None), "common.error"))]

    # -- delivery ---------------------------------------------------------------------------------
    async def _deliver(self, intents: Sequence[Intent], out: Out, user_id: int, guild_id: int | None, *,
                       offer: tuple[str, tuple[str, ...]] | None = None) -> bool:
        personal: list[tuple[str, str]] = []
        if self.sent_log is not None:
            # An erasure deletes the replies whose ids are still waiting to be written, too.
            intents = [DeleteMessages(i.platform, i.messages + tuple(self.sent_log.take(str(user_id))))
                       if isinstance(i, DeleteMessages) and i.platform == PLATFORM else i for i in intents]
        reached = await deliver(intents, out, mentions=self.mentions_for(guild_id), offer=offer,
                                on_unreachable=lambda: self.unreachable(user_id), personal=personal,
                                delete=self.delete_message)
        if personal and guild_id is None:  # in a DM: personal replies never go to a server channel
            self.record_personal(user_id, personal)
        return reached

    async def delete_message(self, channel_id: str, message_id: str) -> None:
        """One of the bot's own messages, in a DM (erasure): Discord allows it at any age."""
        await self.http.delete_message(int(channel_id), int(message_id))

    def record_personal(self, user_id: int, sent: Sequence[tuple[str, str]]) -> None:
        """Keep the ids of DMs that showed the person's data, so /forget can delete them (in batches)."""
        if self.sent_log is None:
            return
        for channel_id, message_id in sent:
            self.sent_log.add(str(user_id), channel_id, (message_id,))

    def sender(self):
        """The outbox's Sender for Discord (bot.delivery.senders), sharing this client's session and buckets."""
        from bot.platforms.discord.sender import DiscordSender

        return DiscordSender(self)

    def unreachable(self, user_id: int) -> None:
        assert self.app is not None
        if mark_unreachable(self.app.sessions, str(user_id), self.app.clock()):
            log.info("a discord participant cannot be sent DMs; marked unreachable")


async def _acknowledge(interaction: discord.Interaction, *, ephemeral: bool = False, thinking: bool = False) -> bool:
    """Answer within Discord's 3 seconds; the real answer follows. False if the interaction is gone."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
        return True
    except discord.HTTPException as exc:
        # 10062 unknown interaction: too late, or answered elsewhere. Nothing was processed.
        log.warning("could not acknowledge an interaction: %s %s", exc.status, exc.code)
        return False


async def _quietly(call) -> None:
    try:
        await call
    except discord.HTTPException as exc:
        log.warning("discord call failed: %s %s", exc.status, exc.code)


async def run_discord(app: App) -> None:
    """Serve Samtale on Discord until cancelled; discord.py reconnects and resumes the gateway by itself,
    and all conversation state is in the database, so a reconnect or restart loses nothing."""
    from bot.platforms.discord.sender import RUNNING

    client = SamtaleClient(app)
    RUNNING[id(app)] = client
    try:
        async with client:
            await client.start(app.settings.discord_token or "", reconnect=True)
    finally:
        RUNNING.pop(id(app), None)


async def sync_commands(app: App | Settings, *, everywhere: bool = False) -> list[str]:
    """`samtale discord sync`: register the slash commands (dev guilds if configured, else global).

    Takes the App or just its Settings (no database is needed); returns one line per scope synced.
    """
    settings: Settings = getattr(app, "settings", app)  # type: ignore[assignment]
    if not settings.discord_token:
        raise ValueError("discord needs a bot token: set SAMTALE_DISCORD_TOKEN")
    client = SamtaleClient(None, settings=settings)
    async with client:
        await client.login(settings.discord_token)
        return await client.sync(everywhere=everywhere)
