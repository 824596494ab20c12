"""New and changed events as count-only cards in the configured Discord channels, mirrored as Guild Scheduled Events."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
import discord

from bot.platforms.discord.buttons import SamtaleButton, offer_id
from bot.platforms.discord.delivery import MESSAGE_LIMIT
from bot.platforms.discord.sender import nonce
from content.i18n import t
from handlers.events.channels import Announcement, announcement_failed, announcement_posted, pending_announcements
from storage.clock import system_clock

log = logging.getLogger(__name__)

# A new event reaches its municipality's channel within this many seconds.
EVERY_SECONDS = 10.0
# Discord's limits on a scheduled event's name, location and description.
NAME_MAX, LOCATION_MAX, DESCRIPTION_MAX = 100, 100, 1000
# message_ref's second part when someone in the server deleted the scheduled event: it is not made again.
REMOVED = "-"
NETWORK = (OSError, aiohttp.ClientError, asyncio.TimeoutError)


class Refused(Exception):
    """A channel ref Discord can never take a post in."""


def sign_up_view(label: str, payload: str) -> discord.ui.View:
    """The card's one button. Discord has no deep link into a DM, so it runs `/start <payload>` in the
    presser's DM — what Telegram's t.me link does — and tells only them (ephemeral) that it did."""
    view = discord.ui.View(timeout=None)
    view.add_item(SamtaleButton(offer_id("start", (payload,)), label, style=discord.ButtonStyle.primary))
    view.stop()  # routed by the registered dynamic item, nothing kept per message
    return view


async def _channel(client: discord.Client, ref: str) -> Any:
    if not ref.isdigit():
        raise Refused(f"not a discord channel id: {ref[:30]}")
    channel = client.get_channel(int(ref)) or await client.fetch_channel(int(ref))
    if not isinstance(channel, discord.abc.Messageable):
        raise Refused("not a text channel")
    return channel


def _mirror_guild(channel: Any, logged: set[int], *, creating: bool) -> discord.Guild | None:
    """The channel's guild if the bot may mirror there: create a scheduled event, or change its own.

    Since 23 February 2026 Discord requires Create Events to create one (Manage Events alone no longer
    does); editing and cancelling the bot's own takes Manage Events, or Create Events (its creator's right).
    """
    guild = getattr(channel, "guild", None)
    if not isinstance(guild, discord.Guild):
        return None
    me = guild.me
    granted = me.guild_permissions if me is not None else discord.Permissions.none()
    if granted.create_events or (not creating and granted.manage_events):
        return guild
    if guild.id not in logged:
        logged.add(guild.id)
        log.info("discord: no Create Events permission in guild %s: event cards only, no scheduled events", guild.id)
    return None


def _fields(item: Announcement, channel: Any, language: str) -> dict[str, Any]:
    line = t(language, "events.link.scheduled", label=t(language, "events.link.channel_signup"),
             channel=getattr(channel, "name", ""))
    return {"name": item.title[:NAME_MAX], "start_time": item.starts_at, "end_time": item.ends_at,
            "location": item.location[:LOCATION_MAX], "description": line[:DESCRIPTION_MAX]}


async def _mirror(guild: discord.Guild, item: Announcement, fields: dict[str, Any], ref: str, now: datetime) -> str:
    """Create, edit or cancel the scheduled event; returns its ref ("" none). Never raises: the card counts."""
    try:
        if not ref:
            if item.cancelled or item.starts_at <= now:
                return ""
            made = await guild.create_scheduled_event(entity_type=discord.EntityType.external,
                                                      privacy_level=discord.PrivacyLevel.guild_only, **fields)
            return str(made.id)
        if ref == REMOVED:
            return ref
        scheduled = await guild.fetch_scheduled_event(int(ref), with_counts=False)
        # Over or already cancelled: Discord allows no more changes.
        if scheduled.status is not discord.EventStatus.scheduled:
            return ref
        if item.cancelled:
            await scheduled.cancel()
            return ref
        changed = {k: v for k, v in fields.items() if getattr(scheduled, k) != v}
        if changed:
            await scheduled.edit(**changed)
        return ref
    except discord.NotFound:
        log.info("discord: scheduled event %s was deleted in the server; not mirrored again", ref)
        return REMOVED if ref else ""
    except (discord.HTTPException, discord.RateLimited, *NETWORK) as exc:
        log.warning("discord: scheduled event not mirrored (%s); the card is posted", _reason(exc))
        return ref
    except Exception:  # noqa: BLE001 - the card is out already and must be recorded
        log.exception("discord: scheduled event for event %s failed; the card is posted", item.event_id)
        return ref


async def announce(client: discord.Client, item: Announcement, now: datetime, language: str,
                   logged: set[int]) -> str:
    """Post or edit one card (then its mirror); returns the message_ref to keep."""
    channel = await _channel(client, item.channel_ref)
    label = t(language, "events.link.channel_see" if item.cancelled else "events.link.channel_signup")
    view, text = sign_up_view(label, item.payload), item.text[:MESSAGE_LIMIT]
    message_id, _, event_ref = (item.message_ref or "").partition(":")
    if message_id:
        await channel.get_partial_message(int(message_id)).edit(content=text, view=view)
    else:
        # The nonce makes a resend after a crash before our commit a no-op on Discord's side.
        sent = await channel.send(text, view=view, nonce=nonce(f"announcement:{item.id}", 0))
        message_id = str(sent.id)
    guild = _mirror_guild(channel, logged, creating=not event_ref)
    if guild is not None:
        event_ref = await _mirror(guild, item, _fields(item, channel, language), event_ref, now)
    return f"{message_id}:{event_ref}" if event_ref else message_id


def _reason(exc: BaseException) -> str:
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, discord.HTTPException):
        return f"discord {exc.status} {exc.code}"
    return type(exc).__name__


def _permanent(exc: BaseException) -> bool:
    """Whether trying again cannot help: no access, unknown channel or message, a request Discord refuses."""
    if isinstance(exc, (Refused, discord.Forbidden, discord.NotFound)):
        return True
    return isinstance(exc, discord.HTTPException) and 400 <= exc.status < 500 and exc.status != 429


async def drain_announcements(sessions, client: discord.Client, now: datetime, *,  # noqa: ANN001
                              language: str = "da", logged: set[int] | None = None) -> int:
    """Post new cards, edit changed ones; returns how many went out. Names are never on a card."""
    logged = set() if logged is None else logged
    done = 0
    with sessions() as session:
        for item in pending_announcements(session, "discord", now, lang=language):
            try:
                ref = await announce(client, item, now, language, logged)
            except Exception as exc:  # noqa: BLE001 - one bad channel never stops the others
                if not isinstance(exc, (Refused, discord.HTTPException, discord.RateLimited, *NETWORK)):
                    log.exception("discord: announcing event %s failed", item.event_id)
                announcement_failed(session, item.id, _reason(exc), permanent=_permanent(exc))
            else:
                announcement_posted(session, item.id, ref, now)
                done += 1
            # Each outcome at once: a crash later in the round must not post this card again.
            session.commit()
    return done


async def announce_forever(sessions, client: discord.Client, clock: Callable[[], datetime] | None = None,  # noqa: ANN001
                           *, language: str = "da") -> None:
    """The client's background loop, from the first READY on; one failed round is logged, never fatal."""
    clock = clock or system_clock
    logged: set[int] = set()
    await client.wait_until_ready()
    while True:
        try:
            await drain_announcements(sessions, client, clock(), language=language, logged=logged)
        except Exception:  # noqa: BLE001 - the next round tries again; the bot keeps running
            log.exception("discord: announcing events failed; trying again shortly")
        await asyncio.sleep(EVERY_SECONDS)
