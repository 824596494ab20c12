"""The outbox's way onto Discord (bot.delivery.senders.Sender): one intent into one DM channel, outcome reported."""
from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable

import aiohttp
import discord

from bot.delivery.senders import SendResult
from bot.platforms.discord.buttons import core_id, keyboard
from bot.platforms.discord.commands import with_command_mentions
from bot.platforms.discord.delivery import CANNOT_DM, MESSAGE_LIMIT, with_share_line
from bot.platforms.text import split_text
from handlers.core.types import Document, Intent, Reply

# Discord error codes that mean "this chat is gone for good": cannot DM the user, unknown channel / user.
GONE = {CANNOT_DM, 10003, 10013}


def nonce(key: str, piece: int) -> str:
    """Discord nonces are at most 25 characters; with enforce_nonce a resend within minutes is a no-op."""
    return hashlib.sha256(f"{key}#{piece}".encode()).hexdigest()[:25]


# The gateway client each running App has, so the outbox can send on its session and buckets.
RUNNING: dict[int, discord.Client] = {}


async def make_sender(app: object) -> DiscordSender:
    """The outbox's Discord sender for this process (bot.scheduling.background asks for it at start-up)."""
    return DiscordSender(lambda: RUNNING.get(id(app)))


class DiscordSender:
    """Sends on the running client's HTTP session, so its rate-limit buckets are shared with the DMs.

    It never retries: discord.py waits out short 429s in its buckets (up to the client's
    max_ratelimit_timeout, 30 s); a longer one comes back as RETRY_AFTER for the outbox to reschedule.
    """

    platform = "discord"

    def __init__(self, client: discord.Client | Callable[[], discord.Client | None]) -> None:
        # A getter when the outbox starts before the gateway client of this process exists.
        self._client = client if callable(client) and not isinstance(client, discord.Client) else (lambda: client)

    @property
    def client(self) -> discord.Client | None:
        return self._client()

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult:
        client = self.client
        if client is None:
            return SendResult.transient("discord client not running in this process yet")
        channel = client.get_partial_messageable(int(chat_id), type=discord.ChannelType.private)
        mentions = getattr(client, "mentions_for", lambda _: {})(None)
        try:
            if isinstance(intent, Reply):
                rows = [[(b.label, core_id(b.action)) for b in row] for row in intent.buttons]
                pieces = split_text(with_command_mentions(with_share_line(intent), mentions), MESSAGE_LIMIT) or [""]
                last = None
                for i, piece in enumerate(pieces):
                    view = keyboard(rows) if rows and i == len(pieces) - 1 else None
                    last = await channel.send(piece or None, view=view, nonce=nonce(key, i))  # type: ignore[arg-type]
                return SendResult.sent(last.id if last else None)
            if isinstance(intent, Document):
                file = discord.File(io.BytesIO(intent.content), filename=intent.filename)
                sent = await channel.send(intent.caption[:MESSAGE_LIMIT] or None, file=file, nonce=nonce(key, 0))
                return SendResult.sent(sent.id)
            return SendResult.failed(f"cannot send {type(intent).__name__} on discord")
        except discord.RateLimited as exc:
            return SendResult.retry(exc.retry_after)
        except (discord.Forbidden, discord.NotFound) as exc:
            if exc.code in GONE:
                return SendResult.blocked(f"discord {exc.status} {exc.code}")
            return SendResult.failed(f"discord {exc.status} {exc.code}")
        except discord.DiscordServerError as exc:
            return SendResult.transient(f"discord {exc.status}")
        except discord.HTTPException as exc:
            if exc.status == 429:
                return SendResult.retry(float(getattr(exc, "retry_after", 0) or 5.0))
            return SendResult.failed(f"discord {exc.status} {exc.code}")
        except (OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return SendResult.transient(type(exc).__name__)
