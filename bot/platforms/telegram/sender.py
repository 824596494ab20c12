"""The outbox's Sender for Telegram: one message, one attempt, Telegram's answer mapped to an outcome.

Retries, pacing and bookkeeping are the outbox's (bot/delivery/); this only speaks the Bot API:
403 Forbidden → blocked (the person blocked the bot: the contact becomes unreachable); 429 → retry
after the seconds Telegram gives; timeouts and network errors → transient (retried with backoff);
400 "chat not found" → blocked; any other 400 → failed for good, with Telegram's reason.
Telegram has no idempotency key, so a message whose answer is lost in a timeout may, rarely, arrive
twice when retried; that is the outbox's documented at-least-once window.
"""
from __future__ import annotations


from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.delivery.senders import SendResult
from bot.platforms.telegram.outbound import render, retry_after_seconds, username_of
from handlers.core.types import Intent, Reply


def _chat(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


class TelegramSender:
    """Sends outbox messages with python-telegram-bot's Bot (its own connection pool)."""

    platform = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    def from_settings(cls, token: str, base_url: str, base_file_url: str, *, connections: int = 12,
                      http_client: str = "aiohttp") -> TelegramSender:
        """Its own Bot and connections, apart from the adapter's (bulk never queues behind replies there).
        aiohttp is the adapter's transport too (about half httpx's CPU per call); "httpx" for a proxy."""
        if http_client == "aiohttp":
            from bot.platforms.telegram.transport import AiohttpRequest

            request = AiohttpRequest(connections, read_timeout=10.0, write_timeout=10.0, connect_timeout=5.0,
                                     pool_timeout=5.0)
        else:
            request = HTTPXRequest(connection_pool_size=connections, read_timeout=10.0, write_timeout=10.0,
                                   connect_timeout=5.0, pool_timeout=5.0)
        return cls(Bot(token, base_url=base_url, base_file_url=base_file_url, request=request))

    async def start(self) -> None:
        await self.bot.initialize()

    async def close(self) -> None:
        await self.bot.shutdown()

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult:
        if not isinstance(intent, Reply):
            return SendResult.failed(f"cannot send {type(intent).__name__} from the outbox")
        # The adapter's own rendering (keyboard, Share button, split under 4,096), so a prompt from the
        # outbox looks exactly like a live answer.
        calls = render(intent, bot_username=username_of(self.bot))
        try:
            message = None
            for call in calls:
                message = await getattr(self.bot, call.method)(chat_id=_chat(chat_id), **call.kwargs)
        except RetryAfter as exc:
            return SendResult.retry(retry_after_seconds(exc), f"Telegram 429: {exc.message}")
        except Forbidden as exc:
            return SendResult.blocked(exc.message)
        except ChatMigrated as exc:
            return SendResult.failed(f"chat moved to {exc.new_chat_id}")
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                return SendResult.blocked(exc.message)
            return SendResult.failed(exc.message)
        except NetworkError as exc:  # TimedOut included
            return SendResult.transient(f"{type(exc).__name__}: {exc.message}")
        except TelegramError as exc:
            return SendResult.failed(f"{type(exc).__name__}: {exc.message}")
        return SendResult.sent(message.message_id if message is not None else None)
