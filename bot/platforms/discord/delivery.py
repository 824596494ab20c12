"""Rendering the core's intents on Discord: split texts, keyboards, attachments, ephemeral answers, share lines."""
from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import discord
from sqlalchemy.orm import Session, sessionmaker

from bot.platforms.discord.buttons import Keyboards, core_id, keyboard, offer_id, spent
from bot.platforms.discord.commands import with_command_mentions
from bot.platforms.discord.strings import text
from bot.platforms.text import split_text
from content.i18n import DEFAULT_LANGUAGE
from handlers.core.types import CloseButtons, DeleteMessages, Document, Intent, Reply, ReplyKind
from storage.repo import erase_participant, find_participant

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
# "Cannot send messages to this user": they allow no DMs from the bot, or share no server with it any more.
CANNOT_DM = 50007

# (channel id, message id) of messages that showed a person's data, for /forget to delete later.
Sent = list[tuple[str, str]]
Delete = Callable[[str, str], Awaitable[object]]


def with_share_line(reply: Reply) -> str:
    """Discord has no link that opens a DM with a start payload, so a card with `share` says what to
    type instead: /start with the payload works for anyone who shares a server with the bot, in a DM
    or as the slash command's option (and "/start" becomes a clickable command mention)."""
    if reply.share is None:
        return reply.text
    return f"{reply.text}\n\n{reply.share.hint}"


def takes_private(intent: Intent) -> bool:
    """The core's "let's take that to a private chat": Discord adds a button that opens a DM."""
    return isinstance(intent, Reply) and intent.kind in (ReplyKind.TAKE_PRIVATE, ReplyKind.CRISIS_OFFER)


def dm_offer(intent: Reply, offer: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
    """What the DM button runs: a crisis offer's own /start payload, never the words that were written."""
    if intent.kind is ReplyKind.CRISIS_OFFER:
        return ("start", (intent.start_payload,) if intent.start_payload else ())
    return offer


class Out(Protocol):
    """Where one conversation step's answers go."""

    async def send(self, content: str, *, view: discord.ui.View | None = None,
                   file: discord.File | None = None, notice: bool = False) -> discord.Message | None:
        """Send one message; returns it where it stays in the chat (not for ephemeral ones)."""
        ...

    async def close(self) -> None: ...


class ChannelOut:
    """Messages into a channel: a DM, or a server channel answering a mention (first one as a reply)."""

    def __init__(self, channel: discord.abc.Messageable, user_id: int, keyboards: Keyboards,
                 reference: discord.Message | None = None) -> None:
        self.channel, self.user_id, self.keyboards, self.reference = channel, user_id, keyboards, reference

    @property
    def channel_id(self) -> int:
        return self.channel.id  # type: ignore[attr-defined]

    async def send(self, content: str, *, view: discord.ui.View | None = None,
                   file: discord.File | None = None, notice: bool = False) -> discord.Message | None:
        kw: dict[str, Any] = {"content": content or None}
        if view is not None:
            kw["view"] = view
        if file is not None:
            kw["file"] = file
        if self.reference is not None:
            kw.update(reference=self.reference, mention_author=False)
            self.reference = None
        message = await self.channel.send(**kw)
        # A keyboard in a server channel is public: everyone may use it for themselves, so nobody's
        # next step spends it (only a DM's keyboard is the one person's).
        if view is not None and getattr(self.channel, "guild", None) is None:
            self.keyboards.remember(self.channel_id, self.user_id, message)
        return message

    async def close(self) -> None:
        message = self.keyboards.take(self.channel_id, self.user_id)
        if message is not None:
            await message.edit(view=spent(message))


class InteractionOut:
    """Follow-ups to one interaction (deferred first); ephemeral in servers, and for stale-press notices."""

    def __init__(self, interaction: discord.Interaction, keyboards: Keyboards, *, ephemeral: bool,
                 pressed: discord.Message | None = None) -> None:
        self.interaction, self.keyboards, self.ephemeral, self.pressed = interaction, keyboards, ephemeral, pressed

    async def send(self, content: str, *, view: discord.ui.View | None = None,
                   file: discord.File | None = None, notice: bool = False) -> discord.Message | None:
        kw: dict[str, Any] = {"content": content or None, "ephemeral": self.ephemeral or notice, "wait": True}
        if view is not None:
            kw["view"] = view
        if file is not None:
            kw["file"] = file
        message = await self.interaction.followup.send(**kw)
        if view is not None and message is not None:
            self.keyboards.remember(self.interaction.channel_id or 0, self.interaction.user.id, message)
        return None if kw["ephemeral"] else message  # an ephemeral one is not kept by Discord

    async def close(self) -> None:
        user_id, channel_id = self.interaction.user.id, self.interaction.channel_id or 0
        if self.pressed is None:
            message = self.keyboards.take(channel_id, user_id)
            if message is not None:
                await message.edit(view=spent(message))
            return
        self.keyboards.forget(channel_id, user_id, self.pressed.id)
        if self.interaction.guild_id is not None and not self.pressed.flags.ephemeral:
            return  # a public keyboard (after an @mention) stays usable by each person who needs it
        custom_id = (self.interaction.data or {}).get("custom_id")
        # After a deferred update, the "original response" is the message whose button was pressed.
        await self.interaction.edit_original_response(view=spent(self.pressed, custom_id))  # type: ignore[arg-type]


async def deliver(intents: Sequence[Intent], out: Out, *, mentions: Mapping[str, int] = {},
                  offer: tuple[str, tuple[str, ...]] | None = None,
                  on_unreachable: Callable[[], object] | None = None,
                  personal: Sent | None = None, delete: Delete | None = None) -> bool:
    """Render intents in order. Returns False if Discord says the person cannot be sent messages.

    `offer` (command, args) adds a "message me privately" button to the core's take-it-private reply.
    `personal` collects where the core's personal replies went (Reply/Document.personal); `delete`
    removes one of the bot's messages, for the core's DeleteMessages (erasure reaching the chat).
    One failed message is logged and the rest still go out; rate limits are waited out by discord.py.
    """
    for intent in intents:
        try:
            if isinstance(intent, DeleteMessages):
                await _delete_all(intent, delete)
                continue
            kept = personal if isinstance(intent, Reply | Document) and intent.personal else None
            if isinstance(intent, CloseButtons):
                await out.close()
                if intent.note:
                    await _send_text(out, intent.note, mentions)
            elif isinstance(intent, Reply):
                rows = [[(b.label, core_id(b.action)) for b in row] for row in intent.buttons]
                if offer is not None and takes_private(intent):
                    # In the reply's own language, so the button reads like the line above it.
                    rows.append([(text(intent.lang or DEFAULT_LANGUAGE, "discord.open_dm"),
                                  offer_id(*dm_offer(intent, offer)))])
                await _send_text(out, with_share_line(intent), mentions, rows=rows,
                                 notice=intent.kind.for_presser_only, kept=kept)
            elif isinstance(intent, Document):
                file = discord.File(io.BytesIO(intent.content), filename=intent.filename)
                await _send_text(out, intent.caption, mentions, file=file, kept=kept)
            else:
                log.warning("discord: no rendering for %s", type(intent).__name__)
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM:
                if on_unreachable is not None:
                    on_unreachable()
                return False
            log.warning("discord refused a message: %s %s", exc.status, exc.code)
        except discord.HTTPException as exc:
            log.warning("discord delivery failed: %s %s", exc.status, exc.code)
        except discord.RateLimited as exc:
            log.warning("discord rate limit of %.0f s: a message was dropped", exc.retry_after)
    return True


async def _delete_all(intent: DeleteMessages, delete: Delete | None) -> None:
    """Discord lets a bot delete its own messages, in a DM too, at any age; one already gone is fine."""
    if intent.platform != "discord" or delete is None:
        return
    for m in intent.messages:
        try:
            await delete(m.chat_id, m.message_id)
        except discord.NotFound:
            continue  # 10008: the person deleted the DM or the message already
        except discord.HTTPException as exc:
            log.warning("discord would not delete a message: %s %s", exc.status, exc.code)


async def _send_text(out: Out, message: str, mentions: Mapping[str, int], *,
                     rows: Sequence[Sequence[tuple[str, str]]] = (), file: discord.File | None = None,
                     notice: bool = False, kept: Sent | None = None) -> None:
    """Send message in pieces under Discord's limit; the keyboard and the file go with the last piece."""
    pieces = split_text(with_command_mentions(message, mentions), MESSAGE_LIMIT) or [""]
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        view = keyboard(rows) if last and rows else None
        if not piece.strip() and view is None and (file is None or not last):
            continue  # Discord refuses an empty message
        sent = await out.send(piece, view=view, file=file if last else None, notice=notice)
        if kept is not None and sent is not None:
            kept.append((str(sent.channel.id), str(sent.id)))


def mark_unreachable(sessions: sessionmaker[Session], user_id: str, now: datetime, *,
                     platform: str = "discord") -> bool:
    """Discord will not deliver to this person: record it on their contact (True if there was one).

    The next private message from them makes it reachable again (handlers.onboarding.ensure_participant).
    Someone who has not answered the consent question (e.g. a "message me privately" press whose DM
    cannot be opened: 50007) never saw it, so nothing of them is kept: the pending row goes — unless they
    said yes to an event sign-up, which stays.
    """
    with sessions() as session:
        participant = find_participant(session, platform, user_id)
        if participant is not None and participant.consent_state == "pending" and not participant.sign_up_consent:
            erase_participant(session, participant)
            session.commit()
            return False
        if participant is None or participant.contact is None:
            return False
        participant.contact.reachable = False
        participant.contact.updated_at = now
        session.commit()
        return True
