"""/help and /privacy: what the bot is, what it can do, what it keeps and why."""
from __future__ import annotations

from handlers.core.context import Ctx, registry
from handlers.core.types import Intent, Reply


@registry.command("help", "commands.help", private_only=False)
async def help_(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("help.text", disclaimer=ctx.t("common.bot_disclaimer")))]


@registry.command("privacy", "commands.privacy", private_only=False)
async def privacy(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("privacy.text", version=ctx.config.consent_version))]
