"""The dashboard's pages: overview, themes over time, what people said (with hiding), an organiser's events."""
from __future__ import annotations

from datetime import datetime

from starlette.responses import RedirectResponse, Response

from bot.web import figures
from bot.web.auth import FACILITATOR, ORGANISER, Call, Page
from handlers.facilitator import MAX_REASON_CHARS, set_hidden
from content.i18n import format_when
from handlers.core.common import parse_int
from insights.periods import TZ
from storage.audit_models import VIEW, record


def _k(call: Call) -> int:
    return call.web.settings.insights.k


def _as_of(call: Call, at: datetime) -> str:
    return call.t("dashboard.web.as_of", time=format_when(at, call.lang))


def overview(call: Call) -> Response:
    day = call.now.astimezone(TZ).date()
    at, blocks = call.web.cache.get(("overview", day, _k(call), call.lang), call.now,
                                    lambda: figures.overview(call.db, call.now, _k(call), call.lang))
    return call.render("overview.html", blocks=blocks, k=_k(call), as_of=_as_of(call, at))


def themes(call: Call) -> Response:
    day = call.now.astimezone(TZ).date()
    at, data = call.web.cache.get(("themes", day, _k(call), call.lang), call.now,
                                  lambda: figures.themes(call.db, call.now, _k(call), call.lang))
    return call.render("themes.html", chart=data["chart"], rows=data["rows"], k=_k(call), as_of=_as_of(call, at))


def said(call: Call) -> Response:
    assert call.viewer is not None
    found = figures.quotes(call.db, call.now, _k(call), call.web.settings.insights.quotes_per_area, call.lang)
    # Every view of quotes is on record: who and when (how many, never which words).
    record(call.db, actor=call.viewer.actor, via="web", action=VIEW, subject="quotes", at=call.now,
           rows=len(found), target="dashboard")
    error = call.t("dashboard.said.need_reason") if call.request.query_params.get("error") == "reason" else None
    done = call.t("dashboard.said.hidden") if call.request.query_params.get("done") else None
    return call.render("said.html", quotes=found, k=_k(call), error=error, done=done,
                       max_reason=MAX_REASON_CHARS)


def hide(call: Call) -> Response:
    assert call.viewer is not None
    reflection_id = parse_int(call.form.get("reflection", ""))
    reason = call.form.get("reason", "").strip()
    if reflection_id is None or not reason:
        return RedirectResponse("/said?error=reason", status_code=303)
    set_hidden(call.db, reflection_id, hidden=True, actor=call.viewer.actor, via="web", reason=reason,
               now=call.now)
    call.web.cache.clear()
    return RedirectResponse("/said?done=1", status_code=303)


def events(call: Call) -> Response:
    assert call.viewer is not None and call.viewer.row.participant_id is not None
    return call.render("events.html", events=figures.own_events(call.db, call.viewer.row.participant_id, call.lang))


PAGES = (
    Page("/overview", overview, FACILITATOR),
    Page("/themes", themes, FACILITATOR),
    Page("/said", said, FACILITATOR),
    Page("/said/hide", hide, FACILITATOR, ("POST",)),
    Page("/events", events, ORGANISER),
)
