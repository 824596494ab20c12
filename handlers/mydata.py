"""/mydata: everything held about the person, as text and as a JSON file."""
from __future__ import annotations

import json

from content.i18n import format_when
from handlers.core.common import age_label, language_label, quote_label
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Document, Intent, Reply
from storage.models import Participant

# Past this many, the text lists only the newest; the JSON file always holds them all.
SHOWN_IN_TEXT = 20


def as_document(p: Participant) -> dict:
    """Everything we hold about one person, the same for every platform (GDPR art. 15)."""
    return {
        "participant": {
            "platform": p.platform, "external_id": p.external_id, "created_at": p.created_at.isoformat(),
            "language": p.language, "age_band": p.age_band, "municipality": p.municipality,
            "region": p.region, "quote_default": p.quote_default, "role": p.role,
            "consent_state": p.consent_state,
        },
        "contact": None if p.contact is None else {
            "chat_id": p.contact.chat_id, "reachable": p.contact.reachable,
        },
        "consents": [
            {"purpose": c.purpose, "granted": c.granted, "version": c.version, "language": c.language, "text": c.text,
             "decided_at": c.decided_at.isoformat(),
             "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None}
            for c in p.consents
        ],
        "reflections": [
            {"id": r.id, "created_at": r.created_at.isoformat(), "language": r.language, "text": r.text,
             "quotable": r.quotable, "crisis": r.crisis, "areas": list(r.areas or []),
             "prompt_id": r.prompt_id,
             "text_purged_at": r.text_purged_at.isoformat() if r.text_purged_at else None}
            for r in p.reflections
        ],
    }


def consent_line(ctx: Ctx, p: Participant) -> str:
    kept = [c for c in p.consents if c.purpose == "reflections"]
    last = kept[-1] if kept else None
    if last is None:
        return ctx.t("mydata.consent_pending")
    if last.withdrawn_at is not None:
        return ctx.t("mydata.consent_withdrawn", when=format_when(last.withdrawn_at, ctx.lang))
    if not last.granted:
        return ctx.t("mydata.consent_refused", when=format_when(last.decided_at, ctx.lang))
    return ctx.t("mydata.consent_given", when=format_when(last.decided_at, ctx.lang), version=last.version)


async def mydata(ctx: Ctx) -> list[Intent]:
    p = ctx.participant
    if p is None:
        return [Reply(ctx.t("mydata.nothing"))]
    summary = ctx.t(
        "mydata.summary", platform=p.platform, created=format_when(p.created_at, ctx.lang),
        language=language_label(ctx, p.language), age_band=age_label(ctx, p.age_band),
        municipality=p.municipality or ctx.t("mydata.not_set"),
        quote_default=quote_label(ctx, p.quote_default), consent=consent_line(ctx, p),
        count=len(p.reflections),
    )
    lines = [
        ctx.t("mydata.reflection_line", id=r.id, when=format_when(r.created_at, ctx.lang),
              quote_state=quote_label(ctx, r.quotable),
              text=ctx.t("mydata.purged") if r.text_purged_at else r.text)
        for r in p.reflections[-SHOWN_IN_TEXT:]
    ]
    text = summary + ("\n\n" + "\n".join(lines) if lines else "")
    document = as_document(p)
    for name, provide in ctx.routes.personal_data.items():
        document[name] = provide(ctx.session, p)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()
    return [Reply(text, personal=True),
            Document("samtale-mydata.json", body, "application/json", ctx.t("mydata.file_caption"), personal=True)]


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "mydata",
    commands=(
        Command("mydata", mydata, "commands.mydata"),
    ),
)
