"""One digest: a period's reflections by area × region × age band × language, k-anonymous.

`build_digest(session, period)` returns a JSON-able dict following docs/digest-schema.json. Every
count comes from cells with at least k distinct participants; cells that could be recovered by
subtraction are suppressed as well (insights/anonymity.py), and every published count is perturbed
by the cell-key method (insights/disclosure.py), so overlapping periods subtract to noise. Quotes
only from people who allow quoting, never crisis-flagged or hidden, and only from published cells;
emerging terms only when used by at least k people.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from insights.anonymity import Line, hide_nested, suppress
from insights.checkins import digest_section
from insights.disclosure import (Published, describe, label_key, publish, publish_count, publish_people,
                                 table_key)
from insights.digest_rows import UNKNOWN, ReflectionRow, load_rows
from insights.periods import Period
from insights.terms import PLACEHOLDERS, TermCounts, count_terms, emerging_terms, names
from content.municipalities import regions
from content.people import AGE_BANDS
from engines.themes import OTHER, load_lexicon, words_of
from storage.models import RECORD_KEY_RANGE, Participant
from storage.clock import system_clock

SCHEMA = "samtale-digest"
SCHEMA_VERSION = 1
OTHER_LANGUAGE = "andre"
DIMENSIONS = ("region", "age_band", "language")
QUOTE_MIN_CHARS, QUOTE_MAX_CHARS = 20, 300


def event_totals(session: Session, period: Period) -> dict[str, int] | None:
    """Events held in the period (not cancelled) and the distinct people signed up for them.

    None on a database without the events tables; the digest then says "unavailable".
    """
    if not inspect(session.get_bind()).has_table("events"):
        return None
    from storage.event_models import CANCELLED, CONFIRMED, Event, Signup

    held = (Event.starts_at >= period.start) & (Event.starts_at < period.end) & (Event.status != CANCELLED)
    events = session.scalar(select(func.count()).select_from(Event).where(held)) or 0
    keys = session.scalars(select(Participant.record_key).where(Participant.id.in_(
        select(Signup.participant_id).join(Event, Signup.event_id == Event.id)
        .where(held, Signup.status == CONFIRMED)))).all()
    return {"events": events, "signups": len(keys), "signup_keys": list(keys)}


def _new_participants(session: Session, period: Period) -> list[int]:
    """The record keys of the people who joined (consented) in the period."""
    return list(session.scalars(
        select(Participant.record_key).where(
            Participant.created_at >= period.start, Participant.created_at < period.end,
            Participant.consent_state.in_(("given", "withdrawn")))
    ).all())


@dataclass
class _Table:
    """Participants and reflections per cell, the lines tying them, and what is hidden."""

    people: dict
    reflections: Counter
    lines: list[Line]
    categories: dict[str, list[str]]
    hidden: set
    areas: list[str]
    lang_of: dict[str, str] = field(default_factory=dict)  # language -> its category ('andre' if pooled)
    published: dict = field(default_factory=dict)  # cell -> Published (perturbed), shown cells only
    key: int = 0  # the table key (insights.disclosure.table_key): its period and all its people

    def shown(self, cell) -> bool:
        return cell in self.published

    def cell(self, cell, **extra) -> dict:
        pub: Published | None = self.published.get(cell)
        if pub is None:
            return {**extra, "suppressed": True}
        return {**extra, "reflections": pub.reflections, "participants": pub.participants,
                "suppressed": False, "perturbed": True}


def _pool_languages(writers: dict[str, set[int]], k: int) -> dict[str, str]:
    """Languages with fewer than k writers are pooled as 'andre' before suppression."""
    return {lang: (lang if len(who) >= k else OTHER_LANGUAGE) for lang, who in writers.items()}


def _groups(rows: list[ReflectionRow]) -> dict[tuple, list]:
    """(region, age band, language, areas) -> [participants, reflections].

    Rows that fall in the same cells of every table are counted together: a year's million rows
    are a few thousand groups, so the cells below are built from sets, not row by row.
    """
    groups: dict[tuple, list] = {}
    get = groups.get
    for r in rows:
        key = (r.region, r.age_band, r.language, r.areas)
        group = get(key)
        if group is None:
            groups[key] = [{r.pid}, 1]
        else:
            group[0].add(r.pid)
            group[1] += 1
    return groups


def tabulate(rows: list[ReflectionRow], area_ids: list[str], k: int, scope: str = "") -> _Table:
    groups = _groups(rows)
    writers: dict[str, set[int]] = {}
    for (_, _, lang, _), (pids, _) in groups.items():
        writers.setdefault(lang, set()).update(pids)
    lang_of = _pool_languages(writers, k)
    areas = [*area_ids, OTHER]
    regions_ = [*regions(), UNKNOWN]
    ages = [b for b in AGE_BANDS if b != "u15"] + [UNKNOWN]
    langs = sorted(set(lang_of.values()) - {OTHER_LANGUAGE},
                   key=lambda lang: (lang != "da", lang != "en", lang))
    if OTHER_LANGUAGE in lang_of.values():
        langs.append(OTHER_LANGUAGE)
    categories = {"region": regions_, "age_band": ages, "language": langs}
    people: dict = {"total": set()}
    reflections: Counter = Counter()
    for a in areas:
        people[("area", a)] = set()
        for d, cats in categories.items():
            for c in cats:
                people.setdefault(("dim", d, c), set())
                people[("cross", d, a, c)] = set()
    known_areas = set(areas)
    for (region, age_band, lang, r_areas), (pids, n) in groups.items():
        values = {"region": region, "age_band": age_band, "language": lang_of[lang]}
        people["total"].update(pids)
        reflections["total"] += n
        # A reflection counts once for each of its areas (twice, were an area listed twice).
        r_areas = [a for a in r_areas if a in known_areas] or [OTHER]
        for d, c in values.items():
            people[("dim", d, c)].update(pids)
            reflections[("dim", d, c)] += n
        for a in r_areas:
            people[("area", a)].update(pids)
            reflections[("area", a)] += n
            for d, c in values.items():
                people[("cross", d, a, c)].update(pids)
                reflections[("cross", d, a, c)] += n
    lines = [Line("total", tuple(("area", a) for a in areas))]
    for d, cats in categories.items():
        lines.append(Line("total", tuple(("dim", d, c) for c in cats)))
        for a in areas:
            lines.append(Line(("area", a), tuple(("cross", d, a, c) for c in cats)))
        for c in cats:
            lines.append(Line(("dim", d, c), tuple(("cross", d, a, c) for a in areas)))
    frozen = {key: frozenset(who) for key, who in people.items()}
    # Every table of the digest agrees: a theme or category hidden on its own is hidden within the others.
    parents = {("cross", d, a, c): (("area", a), ("dim", d, c))
               for d, cats in categories.items() for a in areas for c in cats}
    parents.update({cell: ("total",) for cell in frozen if cell != "total" and cell not in parents})
    hidden = hide_nested(suppress(frozen, lines, k, known_zeros=True), parents)
    keys = {r.pid: r.key for r in rows}
    table = table_key(scope, frozen["total"], keys)
    published = {}
    for cell, who in frozen.items():
        pub = None if cell in hidden else publish_people(who, keys, k, reflections[cell],
                                                            table=table, label=cell)
        if pub is None:
            hidden.add(cell)  # small after perturbation: suppressed too
        else:
            published[cell] = pub
    return _Table(frozen, reflections, lines, categories, hidden, areas, lang_of, published, table)


def _has_name(text: str) -> bool:
    blocked = names()
    return any(w in blocked for w in words_of(text))


def _quotable_text(text: str) -> bool:
    """No scrubbed placeholder and no first name in it (the costly checks, made only when needed)."""
    lower = text.lower()
    return not any(f"[{p}]" in lower for p in PLACEHOLDERS) and not _has_name(text)


def _quotes(rows: list[ReflectionRow], table: _Table, period: Period, per_area: int, k: int) -> list[dict]:
    lang_of = table.lang_of
    used_people: set[int] = set()
    used_rows: set[int] = set()
    out = []
    prefix = f"{period.id}:"

    def order(r: ReflectionRow) -> str:
        return hashlib.sha256(f"{prefix}{r.id}".encode()).hexdigest()

    # The cheap conditions first; the text checks only for rows the walk below reaches, in the same
    # (hashed) order, so the quotes are the same as if every row had been checked up front.
    candidates = sorted(
        (r for r in rows if r.quotable and not r.crisis and r.consent_state == "given"
         and QUOTE_MIN_CHARS <= len(r.text.strip()) <= QUOTE_MAX_CHARS),
        key=order)
    checked: dict[int, bool] = {}
    for a in table.areas:
        # A quote only from a theme the digest shows: a quote labelled with a hidden theme would tell
        # what the theme table hides (that someone wrote about it).
        if not table.shown(("area", a)):
            continue
        taken = 0
        for r in candidates:
            if taken >= per_area:
                break
            # The quote's cell (its area and language) must be shown too, for the same reason.
            lang_cell = ("cross", "language", a, lang_of[r.language])
            if (a not in r.areas and not (a == OTHER and not r.areas)) or r.id in used_rows \
                    or r.pid in used_people or not table.shown(lang_cell):
                continue
            ok = checked.get(r.id)
            if ok is None:
                ok = checked[r.id] = _quotable_text(r.text)
            if not ok:
                continue
            out.append({"reflection_id": r.id, "area": a, "language": r.language, "text": r.text.strip()})
            used_rows.add(r.id)
            used_people.add(r.pid)
            taken += 1
    return out


def content_key(digest: dict) -> str:
    """A hash of everything but the generation time: the same data gives the same key."""
    stable = {k: v for k, v in digest.items() if k not in ("generated_at", "digest_key")}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def build_digest(session: Session, period: Period, *, k: int = 5, quotes_per_area: int = 2,
                 terms: int = 15, now: datetime | None = None, term_language: str | None = None,
                 rows: list[ReflectionRow] | None = None) -> dict:
    """The digest of a period; `term_language` keeps the emerging terms to texts in that language, and
    `rows` are the period's rows when the caller has read them already (the report)."""
    if k < 5:
        raise ValueError("k must be at least 5")
    lexicon = load_lexicon()
    area_ids = [c.id for c in lexicon.areas]
    previous = period.previous()
    rows = load_rows(session, period.start, period.end) if rows is None else rows
    prev_rows = load_rows(session, previous.start, previous.end)
    table = tabulate(rows, area_ids, k, period.id)
    prev_table = tabulate(prev_rows, area_ids, k, previous.id)
    names_by_area = {c.id: c.name_da for c in lexicon.areas} | {OTHER: "andet"}

    total_shown = table.shown("total")
    totals = _totals(session, period, table, k)
    areas_out = _areas(table, prev_table, names_by_area)
    breakdowns = _breakdowns(table)
    in_language = (lambda rs: [r for r in rs if r.language == term_language]) if term_language else (lambda rs: rs)
    term_list = _emerging(in_language(rows), in_language(prev_rows), k, terms, (table, prev_table)) \
        if total_shown and terms > 0 else []

    digest = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "digest_id": f"samtale-digest-{period.id}",
        "period": period.as_dict(),
        "previous_period": previous.as_dict(),
        "generated_at": (now or system_clock()).isoformat(),
        "k_anonymity": k,
        "disclosure": describe(k),
        "lexicon_version": lexicon.version,
        "totals": totals,
        "areas": areas_out,
        "breakdowns": breakdowns,
        "emerging_terms": term_list,
        "quotes": _quotes(rows, table, period, quotes_per_area, k) if total_shown else [],
        "checkins": digest_section(session, period, k=k),
    }
    digest["digest_key"] = content_key(digest)
    return digest


def period_figures(session: Session, period: Period, *, k: int = 5, rows: list[ReflectionRow] | None = None) -> dict:
    """A digest's totals and areas for a period, as build_digest gives them (the same cells, the same
    noise), without what needs the period before (changes, terms) — the report's months."""
    lexicon = load_lexicon()
    rows = load_rows(session, period.start, period.end) if rows is None else rows
    table = tabulate(rows, [c.id for c in lexicon.areas], k, period.id)
    names_by_area = {c.id: c.name_da for c in lexicon.areas} | {OTHER: "andet"}
    empty = tabulate([], [c.id for c in lexicon.areas], k, "")
    return {"totals": _totals(session, period, table, k), "areas": _areas(table, empty, names_by_area)}


def _totals(session: Session, period: Period, table: _Table, k: int) -> dict:
    """The period's totals: a count from fewer than k people, or a hidden total, is None and named."""
    total = table.published.get("total")
    new = publish_count(_new_participants(session, period), k, scope=f"{period.id}:new")
    events = event_totals(session, period)
    totals = {
        "reflections": total.reflections if total else None,
        "participants": total.participants if total else None,
        "new_participants": new if total else None,
        "events": events.get("events") if events else None,
        "signups": publish_count(events["signup_keys"], k, scope=f"{period.id}:signups") if events else None,
    }
    suppressed = [name for name in ("reflections", "participants", "new_participants")
                  if totals[name] is None]
    unavailable = ["events", "signups"] if events is None else []
    if events is not None and totals["signups"] is None:
        suppressed.append("signups")
    totals["suppressed"] = suppressed
    totals["unavailable"] = unavailable
    # Events are public announcements, counted as they are; every count of people is perturbed.
    totals["perturbed"] = [name for name in ("reflections", "participants", "new_participants", "signups")
                           if totals[name] is not None]
    return totals


def _areas(table: _Table, prev_table: _Table, names_by_area: dict[str, str]) -> list[dict]:
    """Each area's cell with its share, and the change since the previous period where both are shown."""
    n_reflections = table.published["total"].reflections if table.shown("total") else 0
    prev_total = prev_table.published["total"].reflections if prev_table.shown("total") else 0
    areas_out = []
    for a in table.areas:
        key = ("area", a)
        entry = table.cell(key, area=a, name=names_by_area.get(a, a))
        if not entry["suppressed"]:
            share = min(1.0, entry["reflections"] / n_reflections) if n_reflections else 0.0
            entry["share"] = round(share, 4)
            if prev_table.shown(key) and prev_table.shown("total") and prev_total:
                prev_refl = prev_table.published[key].reflections
                prev_share = min(1.0, prev_refl / prev_total)
                entry["previous"] = {"reflections": prev_refl, "share": round(prev_share, 4)}
                entry["change"] = {"reflections": entry["reflections"] - prev_refl,
                                   "share_points": round(100 * (share - prev_share), 1)}
            else:
                entry["previous"] = None
                entry["change"] = None
        areas_out.append(entry)
    return areas_out


def _breakdowns(table: _Table) -> dict:
    """Each dimension's cells, on their own and within each area."""
    breakdowns = {}
    for d in DIMENSIONS:
        cats = table.categories[d]
        breakdowns[d] = {
            "categories": [table.cell(("dim", d, c), key=c) for c in cats],
            "by_area": {a: [table.cell(("cross", d, a, c), key=c) for c in cats] for a in table.areas},
        }
    return breakdowns


def _emerging(rows: list[ReflectionRow], prev_rows: list[ReflectionRow], k: int, terms: int,
              tables: tuple[_Table, _Table]) -> list[dict]:
    """The period's emerging terms (each used by at least k people) against the previous period.

    Chosen on the true counts; published with perturbed counts (a term is a cell of its table: the
    table key and the term's label pick its noise) and a score worked out from the perturbed counts
    only, so neither the count nor the score gives away a true count (a previous count under k least).
    """
    cur_counts = count_terms((r.pid, r.text) for r in rows)
    prev_counts = count_terms((r.pid, r.text) for r in prev_rows) if prev_rows else TermCounts({}, 0, {}, {})
    table, prev_table = tables
    n_cur = table.published["total"].participants if table.shown("total") else 0
    n_prev = prev_table.published["total"].participants if prev_table.shown("total") else 0
    out = []
    for t in emerging_terms(cur_counts, prev_counts, k, terms):
        entry = t.as_dict()
        label = ("term", t.term)
        entry["participants"] = publish(t.participants, (table.key + label_key(label)) % RECORD_KEY_RANGE,
                                        k).participants
        before = None
        if t.previous_participants is not None:
            before = publish(t.previous_participants, (prev_table.key + label_key(label)) % RECORD_KEY_RANGE,
                             k).participants
        entry["previous_participants"] = before
        c, b = entry["participants"], before or 0
        entry["score"] = round((math.log((c + 1) / (n_cur + 2)) - math.log((b + 1) / (n_prev + 2)))
                               * math.sqrt(c), 3)
        entry["perturbed"] = True
        out.append(entry)
    return out


def digest_bytes(digest: dict) -> bytes:
    """The exact bytes written to files and POSTed (and signed): stable key order, UTF-8."""
    return (json.dumps(digest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
