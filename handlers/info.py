"""/help and /privacy: what the bot is, what it can do, what it keeps and why."""
from __future__ import annotations

from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Intent, Reply


async def help_(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("help.text", disclaimer=ctx.t("common.bot_disclaimer")))]


async def privacy(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("privacy.text", version=ctx.config.consent_version))]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "info",
    commands=(
        Command("help", help_, "commands.help", private_only=False),
        Command("privacy", privacy, "commands.privacy", private_only=False),
    ),
)
