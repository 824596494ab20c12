"""Facilitators in chat, so they never need a terminal: /stats, /digest, /export, /hide and /unhide.

Only configured facilitators (`roles.facilitators`) may use them: the registry refuses everyone else
before a handler runs, and the /export buttons check the role again (a button payload can be typed
by anyone). Every use is written to the audit log in the same transaction as the reply.

The numbers, the digest and the files are built in bot/ (bot.facilitator_reports), which handlers/ may not
import: handlers/core/services.py declares what they need (`Reports`) and bot/app.py hands it in. They run in a worker
thread on a session of their own, so a large export neither blocks the event loop nor runs inside
the dispatcher's write transaction.

Moderation: `set_hidden` hides a reflection from quotes, exports (unless asked for) and digests, or
shows it again; `samtale reflections hide` uses it too.
"""
from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from content.i18n import format_number
from handlers.core.common import flow_token_ok, parse_action, parse_int, stale
from handlers.core.context import Command, Ctx, Feature
from engines.themes import area_name
from handlers.core.types import CloseButtons, Document, Intent, Reply, ReplyKind, buttons
from storage.audit_models import DIGEST, EXPORT, HIDE, REFUSED, STATS, UNHIDE, AuditEntry, record
from storage.models import Participant, Reflection

FACILITATOR = frozenset({"facilitator"})
FLOW = "fx"
KINDS = ("reflections", "events", "signups", "participants", "digests")
PERIODS = ("tw", "lw", "tm", "lm", "ty", "ly")
FORMATS = ("xlsx", "csv", "jsonl")
# A file sent in chat: at most this many rows, and what the platform accepts (bots: Telegram 50 MB,
# Discord 10 MB without boosts). Larger exports are for `samtale export`. The dispatcher waits for
# the file (about 1.5 s per 100,000 rows of CSV, 8 s per 50,000 of XLSX on a small server), so
# XLSX, five times slower to write, gets fewer rows.
MAX_ROWS = {"csv": 100_000, "jsonl": 100_000, "xlsx": 50_000}
MAX_BYTES = {"telegram": 45 << 20, "discord": 9 << 20}
DEFAULT_MAX_BYTES = 45 << 20
MAX_REASON_CHARS = 500


def actor(ctx: Ctx) -> str:
    """The configured facilitator identity, as `roles.facilitators` names it."""
    return f"chat:{ctx.incoming.platform}:{ctx.incoming.user_id}"


def personal_data(session: Session, participant: Participant) -> dict:
    """For /mydata: what this person did as a facilitator in chat (the audit log keeps it, also after
    /forget, as the record of what left the system and who let it)."""
    who = f"chat:{participant.platform}:{participant.external_id}"
    entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == who).order_by(AuditEntry.id)).all()
    return {"audit_log": [{"at": e.at.isoformat(), "action": e.action, "subject": e.subject, "format": e.format,
                           "rows": e.rows, "reason": e.reason, "status": e.status} for e in entries]}


def _num(ctx: Ctx, value: int | None) -> str:
    return ctx.t("facilitator.hidden") if value is None else format_number(value, ctx.lang)


def _bind(ctx: Ctx) -> Engine:
    return ctx.session.get_bind()  # type: ignore[return-value]


# -- /stats ----------------------------------------------------------------------------------------

def stats_text(ctx: Ctx, data: dict) -> str:
    totals, local = data["totals"], data["local"]
    lines = [ctx.t("facilitator.stats.title", period=data["period"]["id"], first=data["period"]["first_day"]),
             ctx.t("facilitator.stats.k_note", k=data["k"]), "",
             ctx.t("facilitator.stats.reflections", count=_num(ctx, totals["reflections"])),
             ctx.t("facilitator.stats.participants", count=_num(ctx, totals["participants"])),
             ctx.t("facilitator.stats.new_participants", count=_num(ctx, totals["new_participants"]))]
    if totals["reflections"] is not None:
        lines += ["", ctx.t("facilitator.stats.areas")]
        for a in data["areas"]:
            share = "" if a["suppressed"] else f" ({round(100 * a['share'])} %)"
            lines.append(ctx.t("facilitator.stats.area_line", area=area_name(a["area"], ctx.lang),
                               count=_num(ctx, a.get("reflections")), share=share))
    lines += ["", ctx.t("facilitator.stats.events", events=_num(ctx, local["events"]),
                        municipalities=_num(ctx, local["municipalities"]),
                        signups=_num(ctx, local["signup_people"]), waiting=_num(ctx, local["waitlist_people"]))]
    return "\n".join(lines)


async def stats(ctx: Ctx) -> list[Intent]:
    if ctx.services.reports is None:
        return [Reply(ctx.t("facilitator.unavailable"))]
    data = await asyncio.to_thread(ctx.services.reports.stats, _bind(ctx), ctx.now)
    record(ctx.session, actor=actor(ctx), via="chat", action=STATS, subject=data["period"]["id"], at=ctx.now,
           filters={"period": data["period"]["id"], "k": data["k"]}, target="chat message")
    return [Reply(stats_text(ctx, data))]


# -- /digest ---------------------------------------------------------------------------------------

async def digest(ctx: Ctx) -> list[Intent]:
    if ctx.services.reports is None:
        return [Reply(ctx.t("facilitator.unavailable"))]
    d, markdown = await asyncio.to_thread(ctx.services.reports.digest_preview, _bind(ctx), ctx.now, ctx.lang)
    record(ctx.session, actor=actor(ctx), via="chat", action=DIGEST, subject=d["period"]["id"], at=ctx.now,
           filters={"period": d["period"]["id"], "k": d["k_anonymity"], "preview": True},
           target="chat message", detail=f"digest key {d['digest_key']}")
    return [Reply(ctx.t("facilitator.digest.intro", period=d["period"]["id"]) + "\n\n" + markdown)]


# -- /export ---------------------------------------------------------------------------------------

def _cancel_row(ctx: Ctx, token: str) -> list[tuple[str, str]]:
    return [(ctx.t("facilitator.export.cancel"), f"{FLOW}:{token}:x")]


def _kind_reply(ctx: Ctx, token: str) -> Reply:
    rows = [[(ctx.t(f"facilitator.export.kind_{k}"), f"{FLOW}:{token}:k:{k}")] for k in KINDS]
    return Reply(ctx.t("facilitator.export.choose_kind"), buttons(*rows, _cancel_row(ctx, token)))


def _period_reply(ctx: Ctx, token: str) -> Reply:
    rows = [[(ctx.t(f"facilitator.export.period_{a}"), f"{FLOW}:{token}:p:{a}"),
             (ctx.t(f"facilitator.export.period_{b}"), f"{FLOW}:{token}:p:{b}")]
            for a, b in (("tw", "lw"), ("tm", "lm"), ("ty", "ly"))]
    return Reply(ctx.t("facilitator.export.choose_period"), buttons(*rows, _cancel_row(ctx, token)))


def _format_reply(ctx: Ctx, token: str) -> Reply:
    row = [(ctx.t(f"facilitator.export.format_{f}"), f"{FLOW}:{token}:f:{f}") for f in FORMATS]
    return Reply(ctx.t("facilitator.export.choose_format"), buttons(row, _cancel_row(ctx, token)))


async def export(ctx: Ctx) -> list[Intent]:
    if ctx.services.reports is None:
        return [Reply(ctx.t("facilitator.unavailable"))]
    if ctx.participant is None:
        return [Reply(ctx.t("facilitator.need_start"))]
    token = ctx.start_flow(FLOW, "kind")
    return [_kind_reply(ctx, token)]


async def on_export_button(ctx: Ctx) -> list[Intent]:
    # Buttons are not commands: the registry's role check does not run for them, so check here.
    if ctx.role != "facilitator":
        return [CloseButtons(), Reply(ctx.t("common.not_allowed"), kind=ReplyKind.NOTICE)]
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) < 3 or not flow_token_ok(ctx, FLOW, parts[1]) or ctx.services.reports is None:
        return stale(ctx)
    token, what = parts[1], parts[2]
    value = parts[3] if len(parts) > 3 else None
    step = ctx.flow.step  # type: ignore[union-attr]
    if what == "x":
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("facilitator.export.cancelled"))]
    if step == "kind" and what == "k" and value in KINDS:
        ctx.set_step("period", kind=value)
        return [CloseButtons(), _period_reply(ctx, token)]
    if step == "period" and what == "p" and value in PERIODS:
        ctx.set_step("format", period=value)
        return [CloseButtons(), _format_reply(ctx, token)]
    if step == "format" and what == "f" and value in FORMATS:
        data = dict(ctx.flow.data)  # type: ignore[union-attr]
        ctx.end_flow()
        return [CloseButtons(), *await _send_export(ctx, data["kind"], data["period"], value)]
    return stale(ctx)


async def _send_export(ctx: Ctx, kind: str, period: str, fmt: str) -> list[Intent]:
    limit = MAX_BYTES.get(ctx.incoming.platform, DEFAULT_MAX_BYTES)
    assert ctx.services.reports is not None
    max_rows = MAX_ROWS[fmt]
    made = await asyncio.to_thread(ctx.services.reports.export, _bind(ctx), kind, period, fmt, ctx.now, max_rows=max_rows,
                                   max_bytes=limit)
    f = made.filters
    if made.too_big:
        record(ctx.session, actor=actor(ctx), via="chat", action=EXPORT, subject=kind, at=ctx.now, format=fmt,
               filters=f, target="chat document", status=REFUSED, detail="too large for chat")
        every = f" --every {f['every']}" if "every" in f else ""
        command = f"samtale export {kind} --format {fmt} --from {f['from']} --to {f['to']}{every} --out {kind}.{fmt}"
        return [Reply(ctx.t("facilitator.export.too_big", max_rows=_num(ctx, max_rows), command=command))]
    record(ctx.session, actor=actor(ctx), via="chat", action=EXPORT, subject=kind, at=ctx.now, format=fmt,
           filters=f, rows=made.rows, target="chat document")
    caption = ctx.t("facilitator.export.caption", kind=ctx.t(f"facilitator.export.kind_{kind}"),
                    first=f["from"], last=f["to"], rows=_num(ctx, made.rows))
    return [Document(made.filename or f"samtale-{kind}.{fmt}", made.content, made.mime, caption),
            Reply(ctx.t("facilitator.export.done", rows=_num(ctx, made.rows)))]


# -- moderation ------------------------------------------------------------------------------------

def set_hidden(session: Session, reflection_id: int, *, hidden: bool, actor: str, via: str, reason: str,
               now: datetime) -> str:
    """Hide (or show again) one reflection, with the reason in the audit log.

    Returns "done", "already" (nothing changed; still logged, so every request is on record) or
    "missing". The caller commits.
    """
    reflection = session.get(Reflection, reflection_id)
    if reflection is None:
        return "missing"
    outcome = "already" if bool(reflection.hidden) == hidden else "done"
    reflection.hidden = hidden
    record(session, actor=actor, via=via, action=HIDE if hidden else UNHIDE, subject=f"reflection:{reflection_id}",
           at=now, reason=reason[:MAX_REASON_CHARS], detail=None if outcome == "done" else "no change")
    return outcome


def _parse_moderation(ctx: Ctx) -> tuple[int, str] | None:
    args = ctx.incoming.args
    reflection_id = parse_int(args[0]) if len(args) >= 2 else None
    if reflection_id is None:  # 12 digits passed the old check and overflowed PostgreSQL's INTEGER
        return None
    reason = " ".join(args[1:]).strip()
    return (reflection_id, reason) if reason else None


async def _moderate(ctx: Ctx, hidden: bool) -> list[Intent]:
    name = "hide" if hidden else "unhide"
    parsed = _parse_moderation(ctx)
    if parsed is None:
        return [Reply(ctx.t(f"facilitator.{name}.usage"))]
    rid, reason = parsed
    outcome = set_hidden(ctx.session, rid, hidden=hidden, actor=actor(ctx), via="chat", reason=reason, now=ctx.now)
    return [Reply(ctx.t(f"facilitator.{name}.{outcome}", id=rid))]


async def hide(ctx: Ctx) -> list[Intent]:
    return await _moderate(ctx, True)


async def unhide(ctx: Ctx) -> list[Intent]:
    return await _moderate(ctx, False)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "facilitator",
    commands=(
        Command("stats", stats, "commands.stats", roles=FACILITATOR, listed=False),
        Command("digest", digest, "commands.digest", roles=FACILITATOR, listed=False),
        Command("export", export, "commands.export", roles=FACILITATOR, listed=False),
        Command("hide", hide, "commands.hide", roles=FACILITATOR, listed=False),
        Command("unhide", unhide, "commands.unhide", roles=FACILITATOR, listed=False),
    ),
    actions={FLOW: on_export_button},
    personal_data={"facilitator": personal_data},
)
