"""Crisis words in a group: a neutral offer there, the crisis reply in the private chat it opens.

In a group (a Telegram group, a Discord server channel) crisis language is never answered in public
(DESIGN.md): the fixed reply would tell everyone what the person said, and name help lines beside it.
The dispatcher answers there with one short, neutral offer of a private chat and routes nothing, so
nothing written in the group is stored or echoed.

The offer carries a /start payload made for this person alone: a keyed hash of who they are. It holds
nothing readable, needs no row in the database, and survives a restart or another process. Opened by
them, /start shows the crisis reply first; opened by anyone else it is an ordinary /start.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from handlers.core.context import Ctx
from handlers.core.types import Incoming, Reply, ReplyKind

# Telegram payloads are 1-64 of [A-Za-z0-9_-]; "k" + 20 characters of urlsafe base64 fits any platform.
_PREFIX = "k"


def payload_for(key: bytes, platform: str, user_id: str) -> str:
    digest = hmac.new(key, f"crisis-offer|{platform}|{user_id}".encode(), hashlib.sha256).digest()
    return _PREFIX + base64.urlsafe_b64encode(digest[:15]).decode()


def opens_crisis_reply(key: bytes, inc: Incoming) -> bool:
    """Is this /start, in a private chat, the person's own link from a group's offer?"""
    if inc.command != "start" or inc.chat_type != "private" or len(inc.args) != 1:
        return False
    return hmac.compare_digest(inc.args[0].encode(), payload_for(key, inc.platform, inc.user_id).encode())


def private_offer(ctx: Ctx, key: bytes) -> Reply:
    """The only thing said in a group after crisis words: a private chat offered, nothing repeated."""
    inc = ctx.incoming
    return Reply(ctx.t("common.private_offer"), private=False, kind=ReplyKind.CRISIS_OFFER, lang=ctx.lang,
                 start_payload=payload_for(key, inc.platform, inc.user_id))
