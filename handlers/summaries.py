"""Results for each prompt ("what others said"): offered after answering, asked for with /results (/svar),
and sent through the outbox once enough people answered or the prompt closed.

- After an answer to a prompt, the receipt is followed by the offer (`with_offer`); pressing it stores a
  SummaryRequest (removed with the person by /forget).
- /results lists the prompts the person answered, each a button to the same request.
- `queue_ready` sends the summary to everyone waiting, once the prompt is ready (ResultsRules): at the
  press, when it is ready already, and from the hourly job (bot/maintenance.py) otherwise. The numbers
  come from insights/summaries.py, through the disclosure layer: never from fewer than k people.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.campaigns import find_prompt, load_campaigns
from handlers.core.common import consent_given, parse_action, stale
from handlers.core.context import Command, Ctx, Feature, Later
from handlers.core.services import ResultsRules
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from insights.summaries import prompt_summary, summary_text
from storage.campaign_models import PRIORITY_INTERACTIVE, PRIORITY_NORMAL
from storage.insight_models import SummaryRequest
from storage.loop_queries import answered_prompts, answerers, last_sent, waiting_requests
from storage.models import Participant
from storage.outbox import enqueue

PREFIX = "os"
KIND = "summary"
LABEL_CHARS = 40


def summary_offer(ctx: Ctx, prompt_id: str) -> Reply:
    return Reply(ctx.t("summary.offer"), buttons([(ctx.t("summary.offer_yes"), f"{PREFIX}:{prompt_id}")]))


def with_offer(ctx: Ctx, intents: list[Intent]) -> list[Intent]:
    """After an answer to a prompt was stored (its receipt is a Later): offer the results, once."""
    p, prompt_id = ctx.participant, ctx.prompt_id
    if prompt_id is None or p is None or not any(isinstance(i, Later) for i in intents):
        return intents
    if p.id is not None and ctx.session.get(SummaryRequest, (p.id, prompt_id)) is not None:
        return intents
    return [*intents, summary_offer(ctx, prompt_id)]


def ready(session: Session, prompt_id: str, now: datetime, rules: ResultsRules) -> bool:
    """Enough people answered, or the answering window after the prompt's last sending has passed."""
    sent = last_sent(session, prompt_id)
    closed = sent is not None and sent + rules.answer_window <= now
    return closed or answerers(session, prompt_id) >= max(rules.k, rules.after_answers)


def queue_ready(session: Session, prompt_id: str, now: datetime, rules: ResultsRules, *,
                asker: int | None = None) -> set[int]:
    """Queue the summary (through the outbox, once each) to everyone waiting for it, if the prompt is
    ready; returns who got it. `asker` just pressed the button: theirs goes at once, the others' wait
    out quiet hours. The caller commits."""
    if not ready(session, prompt_id, now, rules):
        return set()
    queued = set()
    for req in waiting_requests(session, prompt_id):
        person = session.get(Participant, req.participant_id)
        if person is None or person.consent_state != "given":
            continue
        summary = prompt_summary(session, prompt_id, lang=req.language, k=rules.k, exclude_participant=person.id)
        now_please = person.id == asker
        enqueue(session, kind=KIND, ref=prompt_id, participant_id=person.id, platform=person.platform,
                intent=Reply(summary_text(summary, req.language)), now=now, quiet=not now_please,
                priority=PRIORITY_INTERACTIVE if now_please else PRIORITY_NORMAL)
        req.sent_at = now
        queued.add(person.id)
    return queued


async def on_summary_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    p = ctx.participant
    if len(parts) != 2 or not parts[1] or p is None or p.consent_state != "given":
        return stale(ctx)
    prompt_id = parts[1][:64]
    if find_prompt(load_campaigns(ctx.services.campaign_folder), prompt_id) is None:
        return stale(ctx)  # no such prompt (forged, or retired): promise nothing
    if p.id is None or prompt_id not in answered_prompts(ctx.session, p.id, limit=1000):
        return [CloseButtons(), Reply(ctx.t("summary.not_answered"))]
    found = ctx.session.get(SummaryRequest, (p.id, prompt_id))
    if found is not None:
        return [CloseButtons(), Reply(ctx.t("summary.already_sent" if found.sent_at else "summary.already"))]
    ctx.session.add(SummaryRequest(participant_id=p.id, prompt_id=prompt_id, language=ctx.lang,
                                   requested_at=ctx.now))
    ctx.session.flush()
    if p.id in queue_ready(ctx.session, prompt_id, ctx.now, ctx.services.results, asker=p.id):
        return [CloseButtons(), Reply(ctx.t("summary.on_its_way"))]
    return [CloseButtons(), Reply(ctx.t("summary.accepted"))]


async def results_command(ctx: Ctx) -> list[Intent]:
    """The prompts the person answered, newest first, each a button to its results."""
    if not consent_given(ctx):
        return [Reply(ctx.t("common.not_consented"))]
    p = ctx.participant
    refs = answered_prompts(ctx.session, p.id) if p is not None and p.id is not None else []
    campaigns = load_campaigns(ctx.services.campaign_folder)
    rows = []
    for ref in refs:
        prompt = find_prompt(campaigns, ref)
        if prompt is not None:
            text = " ".join(prompt.text_for(ctx.lang).split())
            label = text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1].rstrip() + "…"
            rows.append([(label, f"{PREFIX}:{ref}")])
    if not rows:
        return [Reply(ctx.t("summary.none_answered"))]
    return [Reply(ctx.t("summary.choose"), buttons(*rows))]


def personal_data(session: Session, participant: Participant) -> dict:
    """For /mydata: the results the person asked for, and when they were sent."""
    requests = session.scalars(select(SummaryRequest).where(SummaryRequest.participant_id == participant.id)
                               .order_by(SummaryRequest.requested_at)).all()
    return {"requests": [{"prompt": r.prompt_id, "language": r.language, "requested_at": r.requested_at.isoformat(),
                          "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in requests]}


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "summaries",
    commands=(
        Command("results", results_command, "commands.results"),
        Command("svar", results_command, "commands.results", listed=False),
    ),
    actions={PREFIX: on_summary_button},
    personal_data={"results": personal_data},
)
