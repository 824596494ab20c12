"""New and changed events posted to the configured Telegram groups and channels, as count-only cards."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.platforms.telegram.outbound import ApiCall, keyboard, perform, render, start_link, url_button
from content.i18n import t
from handlers.events.channels import announcement_failed, announcement_posted, pending_announcements
from handlers.core.types import Reply
from storage.clock import system_clock

log = logging.getLogger(__name__)

# A new event reaches its municipality's channel within this many seconds.
EVERY_SECONDS = 10.0


def _chat(ref: str) -> int | str:
    return int(ref) if ref.lstrip("-").isdigit() else ref


async def drain_announcements(sessions, bot, now: datetime, *, language: str = "da") -> int:  # noqa: ANN001
    """Post new cards, edit changed ones; returns how many went out. Names are never on a card."""
    done = 0
    with sessions() as session:
        for item in pending_announcements(session, "telegram", now, lang=language):
            label = t(language, "events.link.channel_signup" if not item.cancelled else "events.link.channel_see")
            link = url_button(label, start_link(bot.username, item.payload))
            if item.message_ref is None:
                calls = render(Reply(item.text, private=False), extra_buttons=[link])
            else:
                calls = [ApiCall("edit_message_text", {"message_id": int(item.message_ref), "text": item.text,
                                                       "reply_markup": keyboard((), [link])})]
            delivery = await perform(bot, _chat(item.channel_ref), calls)
            if delivery.ok:
                ref = item.message_ref or str(delivery.results[-1].message_id)
                announcement_posted(session, item.id, ref, now)
                done += 1
            else:
                announcement_failed(session, item.id, "refused", permanent=delivery.unreachable)
            # Each outcome at once: a crash later in the round must not post this card again.
            session.commit()
    return done


async def announce_forever(sessions, bot, clock: Callable[[], datetime] | None = None,  # noqa: ANN001
                           *, language: str = "da") -> None:
    """The adapter's background loop; one failed round is logged and retried, never fatal."""
    clock = clock or system_clock
    while True:
        try:
            await drain_announcements(sessions, bot, clock(), language=language)
        except Exception:  # noqa: BLE001 - the next round tries again; the bot keeps running
            log.exception("telegram: announcing events failed; trying again shortly")
        await asyncio.sleep(EVERY_SECONDS)
