"""What the dashboard's pages show, built by the same insights code as the digest and the report
(insights.digest, through insights.disclosure): one source of truth for every number."""
from __future__ import annotations

from datetime import date, datetime, timezone

from babel.dates import format_date
from babel.numbers import format_percent
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.i18n import format_number, format_when, t
from engines.themes import area_name
from insights.digest import build_digest, period_figures
from insights.exports import charts
from insights.periods import TZ, Period, period_containing
from storage.event_models import CONFIRMED, WAITING, Event, OrganiserMembership, Signup

FIGURES = ("reflections", "participants", "new_participants", "events", "signups")
MONTHS = 12


def day(value: date, lang: str) -> str:
    return format_date(value, "d. MMM y" if lang == "da" else "d MMM y", locale=lang)


def _value(totals: dict, name: str, lang: str) -> str:
    if name in totals.get("unavailable", ()):
        return t(lang, "dashboard.overview.unavailable")
    value = totals.get(name)
    return t(lang, "dashboard.overview.hidden") if value is None else format_number(value, lang)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they are UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _last_day(p: Period) -> date:
    return date.fromordinal(p.next_first_day.toordinal() - 1)


def overview(session: Session, now: datetime, k: int, lang: str) -> list[dict]:
    """This week and this month: each figure with its one-line definition."""
    today = now.astimezone(TZ).date()
    blocks = []
    for kind in ("week", "month"):
        p = period_containing(kind, today)
        totals = period_figures(session, p, k=k)["totals"]
        blocks.append({
            "title": t(lang, f"dashboard.overview.{kind}", first=day(p.first_day, lang), last=day(_last_day(p), lang)),
            "figures": [{"label": t(lang, f"dashboard.overview.{name}"), "value": _value(totals, name, lang),
                         "definition": t(lang, f"dashboard.overview.{name}_def")} for name in FIGURES],
        })
    return blocks


def _months(now: datetime) -> list[Period]:
    p = period_containing("month", now.astimezone(TZ).date())
    out = [p]
    while len(out) < MONTHS:
        out.append(out[-1].previous())
    return out[::-1]


def themes(session: Session, now: datetime, k: int, lang: str) -> dict:
    """Each theme's share by month over the last year (a chart in the report's style) and this month's table."""
    months = _months(now)
    figures = [period_figures(session, m, k=k) for m in months]
    shares: dict[str, list[float | None]] = {}
    for i, f in enumerate(figures):
        for a in f["areas"]:
            shares.setdefault(a["area"], [None] * len(months))[i] = None if a["suppressed"] else a["share"]
    series = {area_name(a, lang): v for a, v in shares.items() if any(x is not None for x in v)}
    labels = [format_date(m.first_day, "MMM", locale=lang) for m in months]
    pct = lambda y: format_percent(y, format="#,##0 %", locale=lang)  # noqa: E731
    chart = Markup(charts.lines("themes", t(lang, "dashboard.themes.chart"), labels, series, percent=pct)) \
        if series else None
    rows = [{"name": area_name(a["area"], lang),
             "share": t(lang, "dashboard.overview.hidden") if a["suppressed"] else pct(a["share"])}
            for a in figures[-1]["areas"]]
    return {"chart": chart, "rows": rows if any(not a["suppressed"] for a in figures[-1]["areas"]) else []}


def quotes(session: Session, now: datetime, k: int, per_area: int, lang: str) -> list[dict]:
    """This month's consented, k-safe quotes, exactly as the digest picks them."""
    p = period_containing("month", now.astimezone(TZ).date())
    d = build_digest(session, p, k=k, quotes_per_area=max(per_area, 1), terms=0, now=now)
    return [{"id": q["reflection_id"], "area": area_name(q["area"], lang), "text": q["text"],
             "language": q["language"]} for q in d["quotes"]]


def own_events(session: Session, participant_id: int, lang: str) -> list[dict]:
    """The events of the organiser's organisations, with seats taken and the waiting list."""
    orgs = select(OrganiserMembership.organisation_id).where(OrganiserMembership.participant_id == participant_id)
    events = session.scalars(select(Event).where(Event.organisation_id.in_(orgs))
                             .order_by(Event.starts_at.desc())).all()
    counts: dict[tuple[int, str], int] = {}
    if events:
        rows = session.execute(select(Signup.event_id, Signup.status, func.sum(1 + Signup.guests))
                               .where(Signup.event_id.in_([e.id for e in events]),
                                      Signup.status.in_((CONFIRMED, WAITING)))
                               .group_by(Signup.event_id, Signup.status)).all()
        counts = {(e, s): int(n) for e, s, n in rows}
    return [{"title": e.title, "when": format_when(_utc(e.starts_at), lang), "cancelled": e.status != "open",
             "confirmed": format_number(counts.get((e.id, CONFIRMED), 0), lang),
             "waiting": format_number(counts.get((e.id, WAITING), 0), lang),
             "capacity": format_number(e.capacity, lang) if e.capacity else t(lang, "dashboard.events.no_limit")}
            for e in events]
