"""One digest: a period's reflections by area × region × age band × language, k-anonymous.

`build_digest(session, period)` returns a JSON-able dict following docs/digest-schema.json. Every
count comes from cells with at least k distinct participants; cells that could be recovered by
subtraction are suppressed as well (bot/insights/anonymity.py). Quotes only from people who allow
quoting, never crisis-flagged or hidden, and only from published cells; emerging terms only when
used by at least k people.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from bot.insights.anonymity import Line, suppress
from bot.insights.periods import Period
from bot.insights.terms import PLACEHOLDERS, TermCounts, count_terms, emerging_terms, names
from content.municipalities import regions
from handlers.common import AGE_BANDS
from handlers.themes import OTHER, load_lexicon, words_of
from storage.models import Participant, Reflection

SCHEMA = "samtale-digest"
SCHEMA_VERSION = 1
UNKNOWN = "ukendt"
OTHER_LANGUAGE = "andre"
DIMENSIONS = ("region", "age_band", "language")
QUOTE_MIN_CHARS, QUOTE_MAX_CHARS = 20, 300


@dataclass
class _Row:
    id: int
    pid: int
    language: str
    areas: tuple[str, ...]
    quotable: bool
    crisis: bool
    text: str
    region: str
    age_band: str
    consent_state: str


def load_rows(session: Session, start: datetime, end: datetime) -> list[_Row]:
    """Every visible reflection written in [start, end), with what the digest needs of its writer."""
    lexicon = load_lexicon()
    stmt = (
        select(Reflection.id, Reflection.participant_id, Reflection.language, Reflection.areas,
               Reflection.quotable, Reflection.crisis, Reflection.text, Participant.region,
               Participant.age_band, Participant.consent_state)
        .join(Participant, Participant.id == Reflection.participant_id)
        .where(Reflection.created_at >= start, Reflection.created_at < end, Reflection.hidden.is_(False))
    )
    known_regions = set(regions())
    rows = []
    for rid, pid, lang, areas, quotable, crisis, text, region, age, consent in session.execute(stmt):
        if not areas:
            # Stored before themes existed: classify now (`samtale themes reclassify` stores it).
            areas = lexicon.area_ids(text or "")
        rows.append(_Row(rid, pid, (lang or UNKNOWN).lower(), tuple(areas), bool(quotable), bool(crisis),
                         text or "", region if region in known_regions else UNKNOWN,
                         age if age in AGE_BANDS and age != "u15" else UNKNOWN, consent or ""))
    return rows


def event_totals(session: Session, period: Period) -> dict[str, int] | None:
    """Events held and sign-ups in the period, or None while there is no events feature (issue 6).

    The one place to wire the events tables in once they exist; until then digests say "unavailable".
    """
    if not inspect(session.get_bind()).has_table("events"):
        return None
    return None  # the events feature is not built yet; its tables are unknown here


def _new_participants(session: Session, period: Period) -> int:
    return session.scalar(
        select(func.count()).select_from(Participant).where(
            Participant.created_at >= period.start, Participant.created_at < period.end,
            Participant.consent_state.in_(("given", "withdrawn")))
    ) or 0


@dataclass
class _Table:
    """Participants and reflections per cell, the lines tying them, and what is hidden."""

    people: dict
    reflections: Counter
    lines: list[Line]
    categories: dict[str, list[str]]
    hidden: set
    areas: list[str]

    def shown(self, cell) -> bool:
        return cell in self.people and cell not in self.hidden

    def cell(self, cell, **extra) -> dict:
        if not self.shown(cell):
            return {**extra, "suppressed": True}
        return {**extra, "reflections": self.reflections[cell], "participants": len(self.people[cell]),
                "suppressed": False}


def _language_categories(rows: list[_Row], k: int) -> dict[str, str]:
    """Languages with fewer than k writers are pooled as 'andre' before suppression."""
    writers: dict[str, set[int]] = {}
    for r in rows:
        writers.setdefault(r.language, set()).add(r.pid)
    return {lang: (lang if len(who) >= k else OTHER_LANGUAGE) for lang, who in writers.items()}


def tabulate(rows: list[_Row], area_ids: list[str], k: int) -> _Table:
    lang_of = _language_categories(rows, k)
    areas = [*area_ids, OTHER]
    regions_ = [*regions(), UNKNOWN]
    ages = [b for b in AGE_BANDS if b != "u15"] + [UNKNOWN]
    langs = sorted({lang_of[r.language] for r in rows} - {OTHER_LANGUAGE},
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
    for r in rows:
        values = {"region": r.region, "age_band": r.age_band, "language": lang_of[r.language]}
        people["total"].add(r.pid)
        reflections["total"] += 1
        r_areas = [a for a in r.areas if a in areas] or [OTHER]
        for d, c in values.items():
            people[("dim", d, c)].add(r.pid)
            reflections[("dim", d, c)] += 1
        for a in r_areas:
            people[("area", a)].add(r.pid)
            reflections[("area", a)] += 1
            for d, c in values.items():
                people[("cross", d, a, c)].add(r.pid)
                reflections[("cross", d, a, c)] += 1
    lines = [Line("total", tuple(("area", a) for a in areas))]
    for d, cats in categories.items():
        lines.append(Line("total", tuple(("dim", d, c) for c in cats)))
        for a in areas:
            lines.append(Line(("area", a), tuple(("cross", d, a, c) for c in cats)))
        for c in cats:
            lines.append(Line(("dim", d, c), tuple(("cross", d, a, c) for a in areas)))
    frozen = {key: frozenset(who) for key, who in people.items()}
    hidden = suppress(frozen, lines, k)
    return _Table(frozen, reflections, lines, categories, hidden, areas)


def _has_name(text: str) -> bool:
    blocked = names()
    return any(w in blocked for w in words_of(text))


def _quotes(rows: list[_Row], table: _Table, period: Period, per_area: int, k: int) -> list[dict]:
    lang_of = _language_categories(rows, k)
    used_people: set[int] = set()
    used_rows: set[int] = set()
    out = []

    def order(r: _Row) -> str:
        return hashlib.sha256(f"{period.id}:{r.id}".encode()).hexdigest()

    candidates = sorted(
        (r for r in rows if r.quotable and not r.crisis and r.consent_state == "given"
         and QUOTE_MIN_CHARS <= len(r.text.strip()) <= QUOTE_MAX_CHARS
         and not any(f"[{p}]" in r.text.lower() for p in PLACEHOLDERS) and not _has_name(r.text)),
        key=order)
    for a in table.areas:
        if len(table.people.get(("area", a), ())) < k:
            continue
        taken = 0
        for r in candidates:
            if taken >= per_area:
                break
            # The quote's cell (its area and language) must hold at least k people; it may be
            # hidden as a complement (so its count is not shown) but it is never a small cell.
            lang_cell = ("cross", "language", a, lang_of[r.language])
            if (a not in r.areas and not (a == OTHER and not r.areas)) or r.id in used_rows \
                    or r.pid in used_people or len(table.people.get(lang_cell, ())) < k:
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
                 terms: int = 15, now: datetime | None = None) -> dict:
    if k < 5:
        raise ValueError("k must be at least 5")
    lexicon = load_lexicon()
    area_ids = [c.id for c in lexicon.areas]
    previous = period.previous()
    rows = load_rows(session, period.start, period.end)
    prev_rows = load_rows(session, previous.start, previous.end)
    table = tabulate(rows, area_ids, k)
    prev_table = tabulate(prev_rows, area_ids, k)
    names_by_area = {c.id: c.name_da for c in lexicon.areas} | {OTHER: "andet"}

    total_shown = table.shown("total")
    n_reflections = table.reflections["total"]
    new = _new_participants(session, period)
    events = event_totals(session, period)
    totals = {
        "reflections": n_reflections if total_shown else None,
        "participants": len(table.people["total"]) if total_shown else None,
        "new_participants": new if new >= k and total_shown else None,
        "events": events.get("events") if events else None,
        "signups": events.get("signups") if events and (events.get("signups") or 0) >= k else None,
    }
    suppressed = [name for name in ("reflections", "participants", "new_participants")
                  if totals[name] is None]
    unavailable = ["events", "signups"] if events is None else []
    if events is not None and totals["signups"] is None:
        suppressed.append("signups")
    totals["suppressed"] = suppressed
    totals["unavailable"] = unavailable

    prev_total = prev_table.reflections["total"]
    areas_out = []
    for a in table.areas:
        key = ("area", a)
        entry = table.cell(key, area=a, name=names_by_area.get(a, a))
        if not entry["suppressed"]:
            share = entry["reflections"] / n_reflections if n_reflections else 0.0
            entry["share"] = round(share, 4)
            if prev_table.shown(key) and prev_table.shown("total") and prev_total:
                prev_share = prev_table.reflections[key] / prev_total
                entry["previous"] = {"reflections": prev_table.reflections[key], "share": round(prev_share, 4)}
                entry["change"] = {"reflections": entry["reflections"] - prev_table.reflections[key],
                                   "share_points": round(100 * (share - prev_share), 1)}
            else:
                entry["previous"] = None
                entry["change"] = None
        areas_out.append(entry)

    breakdowns = {}
    for d in DIMENSIONS:
        cats = table.categories[d]
        breakdowns[d] = {
            "categories": [table.cell(("dim", d, c), key=c) for c in cats],
            "by_area": {a: [table.cell(("cross", d, a, c), key=c) for c in cats] for a in table.areas},
        }

    term_list = []
    if total_shown and terms > 0:
        cur_counts = count_terms((r.pid, r.text) for r in rows)
        prev_counts = count_terms((r.pid, r.text) for r in prev_rows) if prev_rows else TermCounts({}, 0, {}, {})
        term_list = [t.as_dict() for t in emerging_terms(cur_counts, prev_counts, k, terms)]

    digest = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "digest_id": f"samtale-digest-{period.id}",
        "period": period.as_dict(),
        "previous_period": previous.as_dict(),
        "generated_at": (now or datetime.now(timezone.utc)).isoformat(),
        "k_anonymity": k,
        "lexicon_version": lexicon.version,
        "totals": totals,
        "areas": areas_out,
        "breakdowns": breakdowns,
        "emerging_terms": term_list,
        "quotes": _quotes(rows, table, period, quotes_per_area, k) if total_shown else [],
    }
    digest["digest_key"] = content_key(digest)
    return digest


def digest_bytes(digest: dict) -> bytes:
    """The exact bytes written to files and POSTed (and signed): stable key order, UTF-8."""
    return (json.dumps(digest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
