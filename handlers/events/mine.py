"""/myevents: what I signed up for (with my place in line), and for organisers their events' counts."""
from __future__ import annotations

from handlers.core.common import consent_given
from handlers.core.context import Command, Ctx, Feature
from handlers.events.manage import overview
from handlers.events.names import profile
from handlers.events.store import my_signups
from handlers.events.texts import card
from handlers.core.types import Intent, Reply, buttons


async def myevents(ctx: Ctx) -> list[Intent]:
    p = ctx.participant
    if p is None:
        return [Reply(ctx.t("events.mine.nothing"))]
    out: list[Intent] = []
    signups = my_signups(ctx.session, p, ctx.now)
    if signups:
        chosen = profile(ctx)
        name = chosen.display_name if chosen is not None and chosen.display_name else ctx.t("events.manage.no_name")
        out.append(Reply(ctx.t("events.mine.header", count=len(signups)) + "\n" + ctx.t("events.mine.name", name=name),
                         # A name is asked only of someone who said yes at /start; a sign-up yes covers no name.
                         buttons([(ctx.t("events.mine.change_name"), "ev:n:0")]) if consent_given(ctx) else (),
                         personal=True))
        out += [card(ctx.session, s.event, ctx.lang, ctx.now, p, full=False) for s in signups]
    organising = overview(ctx)
    if not signups and not organising:
        out.append(Reply(ctx.t("events.mine.nothing"), buttons([(ctx.t("events.btn.find"), "ev:m:-:0")])))
    return out + organising


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "mine",
    commands=(
        Command("myevents", myevents, "commands.myevents"),
    ),
)
