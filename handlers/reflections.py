"""Free text after consent is a reflection: scrubbed, language-tagged, stored, with an undo receipt."""
from __future__ import annotations

import re

from content.i18n import format_number
from handlers.core.common import consent_given, parse_action, parse_int, quote_label, stale
from handlers.core.context import Ctx, Feature, Later
from engines.crisis import CrisisTier, signpost_line
from engines.langid import detect_language
from engines.scrub import scrub
from engines.themes import area_ids
from handlers.info import answer_question
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from storage.models import Reflection
from storage.repo import own_reflection

PREFIX = "r"
# A lone number (with a dot or parenthesis, as in a numbered menu) is never kept as a reflection.
_BARE_CHOICE = re.compile(r"\d{1,2}[.)]?")


def _receipt_buttons(ctx: Ctx, reflection: Reflection):
    toggle = (ctx.t("reflection.deny_quote"), f"{PREFIX}:q0:{reflection.id}") if reflection.quotable \
        else (ctx.t("reflection.allow_quote"), f"{PREFIX}:q1:{reflection.id}")
    row = [(ctx.t("reflection.undo"), f"{PREFIX}:u:{reflection.id}")]
    if not reflection.crisis:
        row.append(toggle)
    return buttons(row)


def store_reflection(ctx: Ctx) -> list[Intent]:
    """Keep what the person wrote, if they consented; always tell them what happened to it."""
    crisis = ctx.crisis
    if crisis:
        # The crisis reply stands alone: what was written is not kept, and no receipt follows.
        return []
    # "hjælp", "hvem er du", "kan jeg tale med et menneske": a question to the bot gets its answer,
    # not a storage receipt. Only whole-message matches, so a reflection is never swallowed.
    answered = answer_question(ctx)
    if answered is not None:
        return answered
    if not consent_given(ctx):
        # After a crisis reply, a consent reminder would read as cold; the crisis reply stands alone.
        if crisis:
            return []
        if ctx.participant is None:
            # A first message: answer in the language it is written in (Danish or English), not only
            # the platform's, and say which languages the bot speaks.
            written = detect_language(ctx.incoming.text or "", None, ctx.incoming.locale_hint)
            ctx.lang = written if written in ("da", "en") else ctx.lang
            return [Reply(ctx.t("common.need_start"))]
        return [Reply(ctx.t("common.not_consented"))]
    text = ctx.incoming.text or ""
    if not text.strip():
        return [Reply(ctx.t("common.empty_message"))]
    if _BARE_CHOICE.fullmatch(text.strip()):
        # "3" after a menu that is gone (/start again for someone onboarded) is a choice, not a reflection.
        return [Reply(ctx.t("reflection.bare_choice", text=text.strip()))]
    limit = ctx.config.max_reflection_chars
    length = max(len(text), ctx.received_length)
    if length > limit:
        return [Reply(ctx.t("common.too_long", length=format_number(length, ctx.lang),
                            limit=format_number(limit, ctx.lang)))]
    p = ctx.participant
    stored = scrub(text)
    reflection = Reflection(
        # By id, not relationship: appending to p.reflections would load all their earlier ones.
        **({"participant_id": p.id} if p.id is not None else {"participant": p}),  # type: ignore[union-attr]
        text=stored,
        language=detect_language(text, p.language, ctx.incoming.locale_hint),  # type: ignore[union-attr]
        created_at=ctx.now,
        quotable=False if crisis else p.quote_default,  # type: ignore[union-attr]
        crisis=crisis,
        # From the stored (scrubbed) text, so `samtale themes reclassify` gives the same answer.
        areas=area_ids(stored),
        prompt_id=ctx.prompt_id,
    )
    ctx.session.add(reflection)
    text_key = "reflection.saved_crisis" if crisis else "reflection.saved"
    # Crisis tier 2 (distress that is not explicit): the same receipt, stored the same way, with one warm,
    # human-written line with Livslinien under it (content/safety/signpost.toml).
    signpost = f"\n\n{signpost_line(ctx.lang)}" if ctx.crisis_tier == CrisisTier.SIGNPOST else ""
    # The receipt's buttons need the row id, which the batch's single flush assigns.
    return [Later(lambda: Reply(ctx.t(text_key, quote_state=quote_label(ctx, reflection.quotable)) + signpost,
                                _receipt_buttons(ctx, reflection), personal=True))]


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    reflection_id = parse_int(parts[2]) if len(parts) == 3 else None
    if reflection_id is None or ctx.participant is None:
        return stale(ctx)
    reflection = own_reflection(ctx.session, ctx.participant, reflection_id)
    if reflection is None:
        return [CloseButtons(), Reply(ctx.t("reflection.already_gone"))]
    if parts[1] == "u":
        ctx.session.delete(reflection)
        ctx.erased = True
        return [CloseButtons(), Reply(ctx.t("reflection.undone"))]
    if parts[1] in ("q0", "q1") and not reflection.crisis:
        if reflection.quotable == (parts[1] == "q1"):
            return stale(ctx)  # a second press of the same toggle: already done, already confirmed
        reflection.quotable = parts[1] == "q1"
        return [CloseButtons(),
                Reply(ctx.t("reflection.quote_changed", quote_state=quote_label(ctx, reflection.quotable)),
                      _receipt_buttons(ctx, reflection), personal=True)]
    return stale(ctx)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "reflections",
    actions={PREFIX: on_button},
)
