"""/local: a municipality's summary for its local partnership (its organisers; facilitators for any).

An organiser gets the municipality of their organisation (or one of them, named); a facilitator names
one. The last LOOKBACK days' reflections of people in it, by theme, through the same suppression and
cell-key noise as every other table (insights/summaries.py): nothing from fewer than k people, no
quotes. Every use goes into the audit log.
"""
from __future__ import annotations

from datetime import timedelta

from content.i18n import format_when
from content.municipalities import match_municipality
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Intent, Reply
from handlers.events.store import memberships
from handlers.facilitator import actor
from insights.summaries import municipality_summary, summary_lines
from storage.audit_models import LOCAL, record

LOOKBACK = timedelta(days=90)
ROLES = frozenset({"organiser", "facilitator"})


def _own_municipalities(ctx: Ctx) -> list[str]:
    return sorted({m.organisation.municipality for m in memberships(ctx.session, ctx.participant)})


async def local_command(ctx: Ctx) -> list[Intent]:
    named = " ".join(ctx.incoming.args).strip()
    found = match_municipality(named) if named else None
    if named and found is None:
        return [Reply(ctx.t("loop.local.unknown", name=named[:60]))]
    own = [] if ctx.role == "facilitator" else _own_municipalities(ctx)
    if ctx.role != "facilitator":
        if not own:
            return [Reply(ctx.t("loop.local.no_organisation"))]
        if found is not None and found.name not in own:
            return [Reply(ctx.t("loop.local.not_yours", municipalities=", ".join(own)))]
    if found is None and not own:
        return [Reply(ctx.t("loop.local.usage"))]
    municipality = found.name if found is not None else own[0]
    end = ctx.now
    start = end - LOOKBACK
    k = ctx.services.results.k
    summary = municipality_summary(ctx.session, municipality, start, end, k=k)
    record(ctx.session, actor=actor(ctx), via="chat", action=LOCAL, subject=municipality[:64], at=ctx.now,
           filters={"from": start.date().isoformat(), "to": end.date().isoformat(), "k": k},
           target="chat message", status="ok" if summary.participants is not None else "refused")
    heading = ctx.t("loop.local.title", municipality=municipality, first=format_when(start, ctx.lang),
                    last=format_when(end, ctx.lang))
    if summary.participants is None:
        return [Reply(heading + "\n" + ctx.t("loop.local.too_few", k=k))]
    return [Reply("\n".join([heading, *summary_lines(summary, ctx.lang)[1:]]))]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "local_results",
    commands=(Command("local", local_command, "commands.local", roles=ROLES, listed=False),),
)
