"""Samtale on Telegram (python-telegram-bot 22): polling or webhook, native keyboards, menus, documents.

inbound   Update → Incoming (commands addressed to us, deep-link payloads, groups)
outbound  intents → Bot API calls, and sending them with Telegram's error semantics (reusable in bulk)
menu      the per-language command menu from the core's registry
adapter   the update handler and the per-chat ordering of concurrent updates
runner    the PTB Application, polling or webhook, clean start and stop
"""
from bot.platforms.telegram.runner import TelegramPlatform, TelegramStartError, run_telegram

__all__ = ["TelegramPlatform", "TelegramStartError", "run_telegram"]
