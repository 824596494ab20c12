""""I sagde – vi gjorde" (you said, we did): a facilitator marks an action-plan item started or done, and the
people who wrote about its theme (or answered its prompts) and opted in get one short message.

/plan lists the year's items (content/report/action_plan_<year>.toml) with their status; `/plan <id> done`
(or `started`) records the change (action_status_changes, kept for the annual report with how many were
told) and queues the messages through the outbox: only to people who opted in in /settings, can be
reached, and had no such message in the last 30 days, so nobody gets more than one a month.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from content.action_plan import ActionPlan, ActionPlanError, Item, load_action_plan
from content.i18n import TZ, t
from engines.themes import area_name
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Intent, Reply
from handlers.facilitator import FACILITATOR, actor
from storage.audit_models import ACTION_PLAN, record
from storage.campaign_models import PRIORITY_BULK
from storage.loop_models import ACTION_KIND, ActionNotice, ActionStatusChange
from storage.loop_queries import item_statuses, notices_of, people_to_tell, wants_action_updates
from storage.models import Participant
from storage.outbox import enqueue

# At most one such message a person a month.
QUIET_DAYS = 30
# What a facilitator may type for each status (Danish first).
WORDS = {"started": ("started", "startet", "igang", "i-gang", "begyndt"), "done": ("done", "færdig", "faerdig",
                                                                                  "gennemført", "gennemfort")}


def _status_of(word: str) -> str | None:
    word = word.casefold()
    return next((status for status, words in WORDS.items() if word in words), None)


def notice_text(item: Item, status: str, lang: str) -> str:
    text = t(lang, "loop.notice", area=area_name(item.area, lang), did=t(lang, f"loop.did_{status}"), title=item.title)
    more = t(lang, "loop.notice_more", url=item.report_url) if item.report_url else ""
    return "\n\n".join(part for part in (text, more, t(lang, "loop.notice_footer")) if part)


def tell(session: Session, year: int, item: Item, status: str, now: datetime) -> int:
    """Queue the message about `item` reaching `status` to everyone who may get it; returns how many."""
    ref = f"{year}:{item.id}:{status}"
    told = 0
    for pid, platform, language in people_to_tell(session, item.area, item.prompts, now - timedelta(days=QUIET_DAYS)):
        lang = language or "da"
        if enqueue(session, kind=ACTION_KIND, ref=ref, participant_id=pid, platform=platform,
                   intent=Reply(notice_text(item, status, lang)), now=now, quiet=True, priority=PRIORITY_BULK):
            session.add(ActionNotice(participant_id=pid, year=year, item_id=item.id, status=status, queued_at=now))
            told += 1
    return told


def _plan(ctx: Ctx) -> tuple[int, ActionPlan | None]:
    year = ctx.now.astimezone(TZ).year
    return year, load_action_plan(year, ctx.services.report_folder)


def _list(ctx: Ctx, plan: ActionPlan) -> Reply:
    marked = item_statuses(ctx.session, plan.year)
    lines = [ctx.t("loop.plan.title", year=plan.year)]
    for item in plan.items:
        status = marked.get(item.id, item.status)
        lines.append(ctx.t("loop.plan.line", id=item.id, title=item.title, area=area_name(item.area, ctx.lang),
                           status=ctx.t(f"loop.status_{status}")))
    return Reply("\n".join([*lines, "", ctx.t("loop.plan.usage")]))


async def plan_command(ctx: Ctx) -> list[Intent]:
    try:
        year, plan = _plan(ctx)
    except ActionPlanError as exc:
        return [Reply(ctx.t("loop.plan.broken", problem=str(exc)))]
    if plan is None:
        return [Reply(ctx.t("loop.plan.none", year=year))]
    args = ctx.incoming.args
    if not args:
        return [_list(ctx, plan)]
    item = next((i for i in plan.items if i.id == args[0].casefold()), None)
    status = _status_of(args[1]) if len(args) == 2 else None
    if item is None or status is None:
        return [Reply(ctx.t("loop.plan.unknown", ids=", ".join(i.id for i in plan.items))), _list(ctx, plan)]
    if item_statuses(ctx.session, year).get(item.id, item.status) == status:
        return [Reply(ctx.t("loop.plan.already", id=item.id, status=ctx.t(f"loop.status_{status}")))]
    # A sample plan (example = true) is marked, but nobody is told about something that did not happen.
    told = 0 if plan.example else tell(ctx.session, year, item, status, ctx.now)
    ctx.session.add(ActionStatusChange(year=year, item_id=item.id, status=status, actor=actor(ctx), at=ctx.now,
                                       notified=told))
    record(ctx.session, actor=actor(ctx), via="chat", action=ACTION_PLAN, subject=f"{year}:{item.id}", at=ctx.now,
           filters={"status": status, "area": item.area}, rows=told, target="outbox")
    marked = ctx.t("loop.plan.marked", id=item.id, status=ctx.t(f"loop.status_{status}"), count=told)
    return [Reply(marked + ("\n" + ctx.t("loop.plan.example") if plan.example else ""))]


def personal_data(session: Session, participant: Participant) -> dict:
    """For /mydata: whether the person wants these messages, and which they were sent."""
    return {"wants_action_updates": wants_action_updates(session, participant.id),
            "notices": [{"year": n.year, "item": n.item_id, "status": n.status, "queued_at": n.queued_at.isoformat()}
                        for n in notices_of(session, participant.id)]}


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "action_plan",
    commands=(Command("plan", plan_command, "commands.plan", roles=FACILITATOR, listed=False),),
    personal_data={"action_updates": personal_data},
)
