"""/organiser CODE: a citizen with a one-time invite code becomes an organiser for an organisation."""
from __future__ import annotations

from handlers.core.common import consent_given
from handlers.core.context import Command, Ctx, Feature
from handlers.events.invites import redeem
from handlers.events.store import memberships
from handlers.core.types import Intent, Reply


async def organiser(ctx: Ctx) -> list[Intent]:
    if not consent_given(ctx):
        return [Reply(ctx.t("events.organiser.need_start"))]
    code = "".join(ctx.incoming.args)[:40]
    if not code:
        mine = memberships(ctx.session, ctx.participant)
        if mine:
            names = ", ".join(m.organisation.name for m in mine)
            return [Reply(ctx.t("events.organiser.you_are", organisations=names))]
        return [Reply(ctx.t("events.organiser.how"))]
    result = redeem(ctx.session, ctx.participant, code, ctx.now)  # type: ignore[arg-type]
    if result.outcome == "invalid":
        return [Reply(ctx.t("events.organiser.invalid"))]
    name = result.organisation.name  # type: ignore[union-attr]
    if result.outcome == "already":
        return [Reply(ctx.t("events.organiser.already", organisation=name))]
    return [Reply(ctx.t("events.organiser.welcome", organisation=name))]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "organiser",
    commands=(
        Command("organiser", organiser, "commands.organiser", listed=False),
    ),
)
