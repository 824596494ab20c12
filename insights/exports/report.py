"""The annual report's numbers: what the conversation reached, what people said, what happened locally.

Everything about people goes through the digests' own code (insights.digest.build_digest and
its suppression, insights.anonymity), so the report shows nothing a digest of the same period
would not: no count from fewer than k distinct participants, every count of people perturbed by the
cell-key method (insights.disclosure), nothing recoverable by subtraction,
quotes only with consent, never crisis-flagged or hidden. Events are public announcements, so they
are counted as they are; sign-ups and waitlists are people and are suppressed like any cell.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from insights.anonymity import Line, suppress
from insights.checkins import checkin_chapter
from insights.disclosure import publish_count, publish_people, table_key
from insights.exports.mandate import build_mandate
from insights.digest import UNKNOWN, build_digest, period_figures
from insights.digest_rows import load_rows
from insights.periods import TZ, Period, parse_period, period_containing
from content.municipalities import load_municipalities, regions
from storage.campaign_models import as_utc
from storage.event_models import CANCELLED, CONFIRMED, WAITING, Event, Signup
from storage.clock import system_clock
from storage.models import Participant, Reflection


@dataclass(frozen=True)
class Span(Period):
    """Any run of whole days; compared with the run of equal length just before it."""

    def previous(self) -> Period:
        first = self.first_day - (self.next_first_day - self.first_day)
        return span(first, self.first_day - timedelta(days=1))


def span(first: date, last: date) -> Period:
    """The period from `first` to `last` (included): a calendar year, quarter or month when it is one."""
    for kind in ("year", "quarter", "month"):
        p = period_containing(kind, first)
        if p.first_day == first and p.next_first_day == last + timedelta(days=1):
            return p
    return Span("span", f"{first.isoformat()}--{last.isoformat()}", first, last + timedelta(days=1))


def year(y: int) -> Period:
    return parse_period(f"{y:04d}")


def months_of(period: Period) -> list[Period]:
    """The calendar months of a period, the first and last cut to it."""
    out: list[Period] = []
    m = period_containing("month", period.first_day)
    while m.first_day < period.next_first_day:
        first, nxt = max(m.first_day, period.first_day), min(m.next_first_day, period.next_first_day)
        out.append(m if (first, nxt) == (m.first_day, m.next_first_day)
                   else Span("span", f"{first}--{nxt - timedelta(days=1)}", first, nxt))
        m = period_containing("month", m.next_first_day)
    return out


# -- local activity --------------------------------------------------------------------------------

def local_activity(session: Session, period: Period, *, k: int = 5, now: datetime | None = None) -> dict:
    """Events held in the period and the people who signed up for them, k-anonymous where people are.

    events: not cancelled, starting in the period and before `now` (held, not planned); by region and
    by month; municipalities reached.
    signups: distinct people with a confirmed seat (and seats with their guests); waitlist: people still
    waiting. People counts by region are suppressed exactly as digest cells are.
    """
    region_of = {m.name: m.region for m in load_municipalities()}
    rows = session.execute(
        select(Event.id, Event.municipality, Event.starts_at, Event.status, Event.online)
        .where(Event.starts_at >= period.start, Event.starts_at < min(period.end, now or system_clock()))
    ).all()
    held = [r for r in rows if r.status != CANCELLED]
    cancelled = len(rows) - len(held)
    ids = [r.id for r in held]
    by_region_events = Counter(region_of.get(r.municipality, UNKNOWN) for r in held)
    by_month_events = Counter(as_utc(r.starts_at).astimezone(TZ).strftime("%Y-%m") for r in held)
    municipalities = sorted({r.municipality for r in held if r.municipality in region_of})
    event_region = {r.id: region_of.get(r.municipality, UNKNOWN) for r in held}

    # A cell per region that held events. Where no event was held, nobody can have signed up: that
    # zero is public (events are), so it is shown as 0 and is no cell to protect or to hide others for.
    people: dict = {"total": set(), **{("region", g): set() for g in (*regions(), UNKNOWN) if by_region_events[g]}}
    seats = 0
    waiting: set[int] = set()
    keys: dict[int, int] = {}
    events_with_waitlist: set[int] = set()
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for event_id, pid, status, guests, key in session.execute(
                select(Signup.event_id, Signup.participant_id, Signup.status, Signup.guests, Participant.record_key)
                .join(Participant, Participant.id == Signup.participant_id)
                .where(Signup.event_id.in_(chunk), Signup.status.in_((CONFIRMED, WAITING)))):
            keys[pid] = key
            if status == CONFIRMED:
                people["total"].add(pid)
                people[("region", event_region[event_id])].add(pid)
                seats += 1 + (guests or 0)
            else:
                waiting.add(pid)
                events_with_waitlist.add(event_id)
    frozen = {key: frozenset(v) for key, v in people.items()}
    cells = [key for key in frozen if key != "total"]
    hidden = suppress(frozen, [Line("total", tuple(cells))], k) if cells else {"total"}
    table = table_key(f"{period.id}:signups", frozen["total"], keys)
    pub = {key: publish_people(who, keys, k, seats if key == "total" else None, table=table, label=key)
           for key, who in frozen.items() if key not in hidden}
    total = pub.get("total")
    total_shown = total is not None
    waitlist = publish_count([keys[pid] for pid in waiting], k, scope=f"{period.id}:waitlist")
    return {
        "events": len(held),
        "cancelled": cancelled,
        "online": sum(1 for r in held if r.online),
        "municipalities": len(municipalities),
        "municipality_names": municipalities,
        "events_by_region": {g: by_region_events.get(g, 0) for g in (*regions(), UNKNOWN)
                             if g != UNKNOWN or by_region_events.get(g)},
        "events_by_month": dict(sorted(by_month_events.items())),
        "signup_people": total.participants if total_shown else None,
        "signup_seats": total.reflections if total_shown else None,
        "signups_by_region": {g: (0 if ("region", g) not in frozen else None if pub.get(("region", g)) is None
                                  else pub[("region", g)].participants)
                              for g in (*regions(), UNKNOWN) if g != UNKNOWN or ("region", g) in frozen},
        "waitlist_people": waitlist,
        "events_with_waitlist": len(events_with_waitlist) if waitlist is not None else None,
    }


# -- the report ------------------------------------------------------------------------------------

def baseline(session: Session, period: Period, k: int) -> bool:
    """Whether the period before has enough writers (k, perturbed) to compare with: "new" words need one."""
    previous = period.previous()
    keys = session.scalars(select(Participant.record_key).where(Participant.id.in_(
        select(Reflection.participant_id).where(Reflection.created_at >= previous.start,
                                                Reflection.created_at < previous.end,
                                                Reflection.hidden.is_(False))))).all()
    return publish_count(list(keys), k, scope=f"{previous.id}:baseline") is not None


def _by_month(session: Session, rows: list, period: Period, parts: list[Period]) -> list[list | None]:
    """The period's rows split by month, read once: each reflection's month from one query of ids."""
    if not rows:
        return [[] for _ in parts]
    if len(parts) > 250:  # a month number per byte: a span of over 20 years reads month by month
        return [None for _ in parts]
    which = case(*[(Reflection.created_at < m.end, i) for i, m in enumerate(parts)], else_=len(parts))
    first = min(r.id for r in rows)
    month_of = bytearray(max(r.id for r in rows) - first + 1)  # a byte per id: a year's ids are a run
    for rid, i in session.execute(select(Reflection.id, which).where(
            Reflection.created_at >= period.start, Reflection.created_at < period.end,
            Reflection.id >= first, Reflection.id < first + len(month_of))):
        month_of[rid - first] = i
    out: list[list | None] = [[] for _ in parts]
    for r in rows:
        out[month_of[r.id - first]].append(r)  # type: ignore[union-attr]
    return out


def build_report(session: Session, period: Period, *, k: int = 5, quotes_per_area: int = 2, terms: int = 15,
                 now: datetime | None = None, lang: str = "da", progress=lambda step: None,  # noqa: ANN001
                 content: Path | None = None) -> dict:
    """Everything the annual report shows, all of it already k-anonymous; `progress(step)` names each step;
    `content`: the folder of the action plan and findings (content/report/ when None)."""
    now = now or system_clock()
    progress("digest")
    rows = load_rows(session, period.start, period.end)
    whole = build_digest(session, period, k=k, quotes_per_area=quotes_per_area, terms=terms, now=now,
                         term_language=lang, rows=rows)
    months = []
    progress("months")
    parts = months_of(period)
    for m, month_rows in zip(parts, _by_month(session, rows, period, parts)):
        d = period_figures(session, m, k=k, rows=month_rows)
        months.append({
            "id": m.id, "first_day": m.first_day.isoformat(),
            "reflections": d["totals"]["reflections"], "participants": d["totals"]["participants"],
            "new_participants": d["totals"]["new_participants"],
            "areas": {a["area"]: (None if a["suppressed"] else a["share"]) for a in d["areas"]},
        })
    return {
        "period": period.as_dict() | {"kind": period.kind},
        "generated_at": now.isoformat(),
        "k": k,
        "digest": whole,
        "months": months,
        "local": _local(session, period, k, now, progress),
        "baseline": baseline(session, period, k),
        "lang": lang,
        **_mandate(session, period, now, k, progress, content),
        # Preliminary results include the loneliness check-ins (issue 19), through the same disclosure layer.
        "checkins": checkin_chapter(session, period, k=k),
    }


def _local(session: Session, period: Period, k: int, now: datetime, progress) -> dict:  # noqa: ANN001
    progress("events")
    return local_activity(session, period, k=k, now=now)


def _mandate(session: Session, period: Period, now: datetime, k: int, progress, content) -> dict:  # noqa: ANN001
    progress("activities")
    return {"mandate": build_mandate(session, period, now, k, content)}
