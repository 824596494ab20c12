"""/help, /privacy and /menneske: what the bot is, what it keeps, and where to find a human.

Also the answers to the few typed messages that are questions to the bot, not reflections
("hjælp", "hvem er du", "kan jeg tale med et menneske", "stop"): see content/phrases.toml.
"""
from __future__ import annotations

from content.human_contacts import human_contacts
from content.phrases import intent_of
from handlers.core.common import consent_given, privacy_notice
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Intent, Reply


def _help(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("help.text", disclaimer=ctx.t("common.bot_disclaimer")))]


async def help_(ctx: Ctx) -> list[Intent]:
    return _help(ctx)


async def privacy(ctx: Ctx) -> list[Intent]:
    return [Reply(privacy_notice(ctx))]


def human_text(ctx: Ctx) -> str:
    """The partners' contacts, for this person's age when we know it, in their language."""
    band = ctx.participant.age_band if ctx.participant is not None else None
    lines = []
    for c in human_contacts():
        if not c.shown_to(band):
            continue
        reach = ctx.t("human.phone_and_web", phone=c.phone, web=c.web) if c.phone else c.web
        lines.append(ctx.t("human.entry", name=c.name, who_for=c.who_for[ctx.lang if ctx.lang in c.who_for else "da"],
                           reach=reach, hours=c.hours[ctx.lang if ctx.lang in c.hours else "da"]))
    return ctx.t("human.text", contacts="\n\n".join(lines))


def _human(ctx: Ctx) -> list[Intent]:
    return [Reply(human_text(ctx))]


async def human(ctx: Ctx) -> list[Intent]:
    return _human(ctx)


def _who(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("intent.who", disclaimer=ctx.t("common.bot_disclaimer")))]


def _stop(ctx: Ctx) -> list[Intent]:
    return [Reply(ctx.t("intent.stop"))]


_ANSWERS = {"help": _help, "who": _who, "human": _human, "stop": _stop}


def answer_question(ctx: Ctx) -> list[Intent] | None:
    """The answer when the whole message is one of the few questions to the bot; None for a reflection."""
    asked = intent_of(ctx.incoming.text or "")
    if asked is None:
        return None
    answer = _ANSWERS[asked](ctx)
    if not consent_given(ctx):
        answer.append(Reply(ctx.t("intent.not_kept")))
    return answer


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "info",
    commands=(
        Command("help", help_, "commands.help", private_only=False),
        Command("privacy", privacy, "commands.privacy", private_only=False),
        Command("human", human, "commands.human", private_only=False),
        Command("menneske", human, "commands.human", listed=False, private_only=False),
    ),
)
