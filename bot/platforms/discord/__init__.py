"""Samtale on Discord (discord.py 2): DMs, slash commands, persistent buttons; the ONLY discord importer."""
from bot.platforms.discord.client import SamtaleClient, gateway_intents, run_discord, sync_commands
from bot.platforms.discord.delivery import mark_unreachable

__all__ = ["SamtaleClient", "gateway_intents", "mark_unreachable", "run_discord", "sync_commands"]
