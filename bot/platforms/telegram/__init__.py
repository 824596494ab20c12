"""Samtale on Telegram (python-telegram-bot 22): polling or webhook, native keyboards, menus, documents.

inbound   Update → Incoming (commands addressed to us, deep-link payloads, groups)
outbound  intents → Bot API calls, and sending them with Telegram's error semantics (reusable in bulk)
menu      the per-language command menu from the core's registry
adapter   the update handler and its few shared senders, crisis replies first
ordering  each chat's updates in order (ChatTurn), many chats at once
waits     a chat waiting out its own 429 or backoff, parked so it holds no sender
runner    the PTB Application, polling or webhook, clean start and stop
"""
from bot.platforms.telegram.runner import TelegramPlatform, TelegramStartError, run_telegram

__all__ = ["TelegramPlatform", "TelegramStartError", "run_telegram"]
