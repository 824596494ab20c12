"""A citizen's own statement (scrubbed, at most 140 characters, confirmed) and /moderate for facilitators.

Strict by default: nothing a citizen proposes is shown to others before a facilitator accepts it; the
author is told either way, through the outbox (so also when the decision is made in the CLI).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from content.i18n import t
from engines.scrub import scrub
from handlers.core.common import flow_token_ok, parse_action, parse_int, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Button, CloseButtons, Intent, Reply
from handlers.facilitator import FACILITATOR, actor
from storage.audit_models import STATEMENT, record
from storage.campaign_models import PRIORITY_BULK
from storage.models import Participant
from storage.outbox import enqueue
from storage.statement_models import ACCEPTED, MAX_STATEMENT_CHARS, PENDING, REJECTED, Statement
from storage.statement_queries import add_statement, decide, statements

OWN = "vto"
MODERATE = "vtm"
DECISION_KIND = "statement"
DECISIONS = {"a": ACCEPTED, "r": REJECTED}


async def own_text(ctx: Ctx) -> list[Intent]:
    """The words of a proposed statement: scrubbed, checked for length, then shown back to confirm."""
    text = " ".join(scrub(ctx.incoming.text or "").split())
    if not text:
        return [Reply(ctx.t("statements.own_empty"), expects_text=True)]
    if len(text) > MAX_STATEMENT_CHARS:
        return [Reply(ctx.t("statements.own_too_long", max=MAX_STATEMENT_CHARS, length=len(text)), expects_text=True)]
    token = ctx.set_step("confirm", text=text)
    return [Reply(ctx.t("statements.own_confirm", text=text), personal=True,
                  buttons=((Button(ctx.t("statements.own_yes"), f"{OWN}:{token}:yes"),
                            Button(ctx.t("statements.own_no"), f"{OWN}:{token}:no")),))]


async def own_action(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 3 or parts[2] not in ("yes", "no") or not flow_token_ok(ctx, OWN, parts[1]):
        return stale(ctx)
    assert ctx.flow is not None and ctx.participant is not None
    text = ctx.flow.data.get("text")
    ctx.end_flow()
    if parts[2] == "no" or not text:
        return [CloseButtons(), Reply(ctx.t("statements.own_dropped"))]
    field = "text_en" if ctx.lang == "en" else "text_da"
    add_statement(ctx.session, now=ctx.now, status=PENDING, author_id=ctx.participant.id, **{field: text})
    return [CloseButtons(), Reply(ctx.t("statements.own_sent"))]


def tell_author(session: Session, statement: Statement, now: datetime) -> bool:
    """Queue the author a short message about the decision on their statement; False if nobody to tell."""
    author = session.get(Participant, statement.author_id) if statement.author_id is not None else None
    if author is None:
        return False
    lang = author.language or "da"
    text = t(lang, f"statements.told_{statement.status}", text=statement.text(lang))
    return enqueue(session, kind=DECISION_KIND, ref=f"{statement.id}:{statement.status}", participant_id=author.id,
                   platform=author.platform, intent=Reply(text), now=now, quiet=True, priority=PRIORITY_BULK)


def moderate(session: Session, statement: Statement, status: str, now: datetime, who: str, via: str) -> None:
    """Accept or reject a statement, record who did, and tell its author."""
    decide(session, statement, status, now)
    record(session, actor=who, via=via, action=STATEMENT, subject=str(statement.id), at=now,
           filters={"status": status}, target="statements")
    tell_author(session, statement, now)


def _pending(ctx: Ctx) -> list[Intent]:
    waiting = statements(ctx.session, PENDING)
    if not waiting:
        return [Reply(ctx.t("statements.moderate_none"))]
    s = waiting[0]
    return [Reply(ctx.t("statements.moderate_one", id=s.id, text=s.text(ctx.lang), left=len(waiting)),
                  buttons=((Button(ctx.t("statements.accept"), f"{MODERATE}:{s.id}:a"),
                            Button(ctx.t("statements.reject"), f"{MODERATE}:{s.id}:r")),))]


async def moderate_command(ctx: Ctx) -> list[Intent]:
    return _pending(ctx)


async def moderate_action(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if ctx.role != "facilitator" or len(parts) != 3:
        return stale(ctx)
    sid, status = parse_int(parts[1]), DECISIONS.get(parts[2])
    statement = ctx.session.get(Statement, sid) if sid is not None else None
    if statement is None or status is None:
        return stale(ctx)
    if statement.status != PENDING:
        return [CloseButtons(), Reply(ctx.t("statements.moderate_already", id=statement.id))]
    moderate(ctx.session, statement, status, ctx.now, actor(ctx), "chat")
    return [CloseButtons(), Reply(ctx.t(f"statements.moderated_{status}", id=statement.id)), *_pending(ctx)]


MODERATION = Feature(
    "statements.moderation",
    commands=(Command("moderate", moderate_command, "commands.moderate", roles=FACILITATOR, listed=False),),
    actions={OWN: own_action, MODERATE: moderate_action},
    text_steps={OWN: own_text},
)
