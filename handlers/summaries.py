"""Opt-in to "what others said": after answering a prompt, a person may ask for a short,
k-anonymous summary of the answers once the prompt closes (built and sent by bot/insights).

`summary_offer(ctx, prompt_id)` is the Reply with the button to show after a prompted reflection;
pressing it stores a SummaryRequest (removed with the person by /forget).
"""
from __future__ import annotations

from content.campaigns import find_prompt, load_campaigns
from handlers.core.common import parse_action, stale
from handlers.core.context import Ctx, Feature
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from storage.insight_models import SummaryRequest

PREFIX = "os"


def summary_offer(ctx: Ctx, prompt_id: str) -> Reply:
    return Reply(ctx.t("summary.offer"), buttons([(ctx.t("summary.offer_yes"), f"{PREFIX}:{prompt_id}")]))


async def on_summary_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    p = ctx.participant
    if len(parts) != 2 or not parts[1] or p is None or p.consent_state != "given":
        return stale(ctx)
    prompt_id = parts[1][:64]
    if find_prompt(load_campaigns(ctx.services.campaign_folder), prompt_id) is None:
        return stale(ctx)  # no such prompt (forged, or retired): promise nothing
    if ctx.session.get(SummaryRequest, (p.id, prompt_id)) is not None:
        return [CloseButtons(), Reply(ctx.t("summary.already"))]
    ctx.session.add(SummaryRequest(participant_id=p.id, prompt_id=prompt_id, language=ctx.lang,
                                   requested_at=ctx.now))
    return [CloseButtons(), Reply(ctx.t("summary.accepted"))]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "summaries",
    actions={PREFIX: on_summary_button},
)
