"""/stem (/vote): one statement at a time, Enig / Uenig / Ved ikke / Spring over, or one's own statement.

The next statement is drawn in proportion to Polis's priority (insights.conversation.priority): new
statements get seen, informative ones more often. At most `per_day` a day; never the person's own. After
`where_after` votes, "Hvor står jeg?" tells what their opinion group leans to and what all groups agree
on, from the last analysis (insights/conversation_run.py): only groups of at least k, never anyone's votes.
A citizen's own statement is scrubbed, at most 140 characters, confirmed by them, and waits for a
facilitator (handlers/statement_moderation.py).
"""
from __future__ import annotations

import random
from datetime import datetime, time

from sqlalchemy.orm import Session

from content.i18n import TZ
from handlers.core.common import consent_given, parse_action, parse_int, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Button, CloseButtons, Intent, Reply
from handlers.statement_moderation import MODERATION, OWN
from insights.statement_priority import NEW
from storage.models import Participant
from storage.statement_models import ACCEPTED, AGREE, DISAGREE, PASS, SKIP, Statement
from storage.statement_queries import (
    answered,
    group_of,
    open_statements,
    real_votes,
    record_vote,
    summary,
    votes_of,
)

ACTION = "vt"
CHOICE_CODES = {"a": AGREE, "d": DISAGREE, "p": PASS, "s": SKIP}


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(TZ).date(), time(0), tzinfo=TZ)


def pick(ctx: Ctx, rng: random.Random | None = None) -> Statement | None:
    """A statement the person has not answered, drawn in proportion to its priority (as of the last
    analysis; a statement newer than that has the priority of one nobody has seen, the highest)."""
    assert ctx.participant is not None
    found = open_statements(ctx.session, ctx.participant.id)
    if not found:
        return None
    known = summary(ctx.session).get("priority", {})
    weights = [float(known.get(str(sid), NEW)) for sid in found]
    return ctx.session.get(Statement, (rng or random.Random()).choices(found, weights=weights)[0])


def _where_button(ctx: Ctx, votes: int) -> list[tuple[Button, ...]]:
    if votes >= ctx.services.conversation.where_after:
        return [(Button(ctx.t("statements.where_button"), f"{ACTION}:where"),)]
    return []


def _next(ctx: Ctx, lead: str = "", intro: str = "") -> list[Intent]:
    """The next statement with its buttons (after `intro`, if any), or why there is none (after `lead`)."""
    assert ctx.participant is not None
    rules = ctx.services.conversation
    today, votes = answered(ctx.session, ctx.participant.id, _day_start(ctx.now))
    if today >= rules.per_day:
        text = ctx.t("statements.enough_today", count=rules.per_day)
        return [Reply("\n\n".join(x for x in (lead, text) if x), buttons=tuple(_where_button(ctx, votes)))]
    statement = pick(ctx)
    if statement is None:
        text = ctx.t("statements.none_left")
        own = (Button(ctx.t("statements.own"), f"{ACTION}:own"),)
        return [Reply("\n\n".join(x for x in (lead, text) if x), buttons=(own, *_where_button(ctx, votes)))]
    sid = statement.id
    buttons = ((Button(ctx.t("statements.agree"), f"{ACTION}:{sid}:a"),
                Button(ctx.t("statements.disagree"), f"{ACTION}:{sid}:d")),
               (Button(ctx.t("statements.pass"), f"{ACTION}:{sid}:p"),
                Button(ctx.t("statements.skip"), f"{ACTION}:{sid}:s")),
               (Button(ctx.t("statements.own"), f"{ACTION}:own"),), *_where_button(ctx, votes))
    text = ctx.t("statements.show", text=statement.text(ctx.lang))
    return [Reply("\n\n".join(x for x in (lead, intro, text) if x), buttons=buttons)]


async def stem_command(ctx: Ctx) -> list[Intent]:
    if not consent_given(ctx):
        return [Reply(ctx.t("statements.needs_consent"))]
    return _next(ctx, intro=ctx.t("statements.intro"))


async def _vote(ctx: Ctx, sid: int, choice: str) -> list[Intent]:
    assert ctx.participant is not None
    statement = ctx.session.get(Statement, sid)
    if statement is None or statement.status != ACCEPTED or statement.author_id == ctx.participant.id:
        return stale(ctx)
    if not record_vote(ctx.session, ctx.participant.id, sid, choice, ctx.now):
        return [CloseButtons(), Reply(ctx.t("statements.already"))]
    return [CloseButtons(), *_next(ctx, ctx.t(f"statements.noted_{choice}"))]


def where_i_stand(ctx: Ctx) -> Reply:
    """The person's group's leanings and what all groups agree on; nothing when their group is unpublished."""
    assert ctx.participant is not None
    last = summary(ctx.session)
    group = group_of(ctx.session, ctx.participant.id)
    if group is None:
        return Reply(ctx.t("statements.where_not_yet"))
    lines = [ctx.t("statements.where_title", group=group, groups=len(last.get("groups", [])))]
    mine = next((g for g in last.get("groups", []) if g["group"] == group), {"representative": []})
    for rep in mine["representative"][:3]:
        statement = ctx.session.get(Statement, rep["statement"])
        if statement is not None:
            lines.append(ctx.t(f"statements.where_{rep['direction']}", text=statement.text(ctx.lang),
                               percent=round(100 * rep["share"])))
    common = [ctx.session.get(Statement, c["statement"]) for c in last.get("consensus", [])[:3]]
    if any(common):
        lines.append(ctx.t("statements.where_common"))
        lines += [f"• {s.text(ctx.lang)}" for s in common if s is not None]
    return Reply("\n".join(lines), personal=True)


async def action(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if not consent_given(ctx) or len(parts) < 2:
        return stale(ctx)
    if parts[1:] == ["where"]:
        if real_votes(ctx.session, ctx.participant.id) < ctx.services.conversation.where_after:  # type: ignore[union-attr]
            return stale(ctx)
        return [where_i_stand(ctx)]
    if parts[1:] == ["own"]:
        token = ctx.start_flow(OWN, "text")
        return [CloseButtons(), Reply(ctx.t("statements.own_ask", max=140), expects_text=True,
                                      buttons=((Button(ctx.t("statements.own_cancel"), f"{OWN}:{token}:no"),),))]
    sid = parse_int(parts[1]) if len(parts) == 3 else None
    choice = CHOICE_CODES.get(parts[2]) if len(parts) == 3 else None
    if sid is None or choice is None:
        return stale(ctx)
    return await _vote(ctx, sid, choice)


def personal_data(session: Session, participant: Participant) -> dict:
    """For /mydata: every vote the person gave, with the statement's words, and their opinion group."""
    return {"votes": [{"statement": s.text_da or s.text_en, "vote": v.choice, "at": v.at.isoformat()}
                      for v, s in votes_of(session, participant.id)],
            "opinion_group": group_of(session, participant.id)}


VOTING = Feature(
    "statements.voting",
    commands=(Command("stem", stem_command, "commands.stem"),
              Command("vote", stem_command, "commands.stem", listed=False)),
    actions={ACTION: action},
    personal_data={"statement_votes": personal_data},
)
# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature.combine("statements", VOTING, MODERATION)
