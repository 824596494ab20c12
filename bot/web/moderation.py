"""Moderation (hidden quotes, shown again with a reason) and the audit log, for facilitators.

A hidden reflection's words are shown only if its writer allowed quoting and it is no crisis message:
the same rule as every quote. The audit log names no one by a platform id: each actor is a short
pseudonym (a hash of the actor), so a facilitator can tell entries of one person apart.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from bot.web.auth import FACILITATOR, Call, Page
from content.i18n import format_when
from handlers.core.common import parse_int
from handlers.facilitator import MAX_REASON_CHARS, set_hidden
from storage.audit_models import HIDE, AuditEntry
from storage.models import Participant, Reflection

SHOWN = 100


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def moderation(call: Call) -> Response:
    rows = call.db.execute(
        select(Reflection.id, Reflection.text, Reflection.quotable, Reflection.crisis, Participant.consent_state)
        .join(Participant, Participant.id == Reflection.participant_id)
        .where(Reflection.hidden.is_(True)).order_by(Reflection.id.desc()).limit(SHOWN)).all()
    reasons: dict[str, str] = {}
    if rows:
        subjects = [f"reflection:{r.id}" for r in rows]
        for e in call.db.scalars(select(AuditEntry).where(AuditEntry.action == HIDE, AuditEntry.subject.in_(subjects))
                                 .order_by(AuditEntry.id)):
            reasons[e.subject] = e.reason or ""
    items = [{"id": r.id, "reason": reasons.get(f"reflection:{r.id}", ""),
              "text": r.text.strip() if r.quotable and not r.crisis and r.consent_state == "given" else None}
             for r in rows]
    notice = call.request.query_params.get("n")
    message = {"reason": call.t("dashboard.said.need_reason"), "shown": call.t("dashboard.moderation.shown")}.get(notice or "")
    return call.render("moderation.html", items=items, message=message, max_reason=MAX_REASON_CHARS)


def unhide(call: Call) -> Response:
    assert call.viewer is not None
    reflection_id = parse_int(call.form.get("reflection", ""))
    reason = call.form.get("reason", "").strip()
    if reflection_id is None or not reason:
        return RedirectResponse("/moderation?n=reason", status_code=303)
    set_hidden(call.db, reflection_id, hidden=False, actor=call.viewer.actor, via="web", reason=reason, now=call.now)
    call.web.cache.clear()
    return RedirectResponse("/moderation?n=shown", status_code=303)


def pseudonym(actor: str) -> str:
    return hashlib.sha256(f"samtale-actor:{actor}".encode()).hexdigest()[:6]


def audit_log(call: Call) -> Response:
    entries = call.db.scalars(select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(SHOWN)).all()
    rows = [{"at": format_when(_aware(e.at), call.lang), "who": f"{e.via} · {pseudonym(e.actor)}", "action": e.action,
             "subject": e.subject, "rows": "" if e.rows is None else str(e.rows), "status": e.status,
             "reason": e.reason or ""} for e in entries]
    return call.render("audit.html", rows=rows)


PAGES = (
    Page("/moderation", moderation, FACILITATOR),
    Page("/moderation/unhide", unhide, FACILITATOR, ("POST",)),
    Page("/audit", audit_log, FACILITATOR),
)
