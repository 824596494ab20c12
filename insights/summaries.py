"""What others said about one prompt: counts by theme and up to two consented quotes, k-anonymous.

`prompt_summary` builds the numbers (the same suppression as digests: no count from fewer than k
distinct participants, complementary cells hidden too, every count perturbed by the cell-key method
of insights/disclosure.py); `summary_text` words it in a language (handlers/summaries.py queues it
to everyone who asked). `municipality_summary` is the same table for one municipality. Quotes are in the reader's language, from people who allow quoting,
never crisis-flagged or hidden, never the reader's own, and only from published theme cells.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.anonymity import Line, hide_nested, suppress
from insights.disclosure import publish_people, table_key
from insights.terms import PLACEHOLDERS, names
from content.i18n import t
from engines.themes import OTHER, load_lexicon, words_of
from storage.models import Participant, Reflection

MAX_QUOTES = 2
QUOTE_MAX_CHARS = 240


@dataclass
class PromptSummary:
    prompt_id: str
    participants: int | None  # None: fewer than k answered, nothing may be shown
    areas: dict[str, int] = field(default_factory=dict)  # published areas only: reflections
    quotes: list[tuple[int, str]] = field(default_factory=list)  # (reflection id, text)


def _theme_cells(rows: list, scope: str, k: int) -> tuple[int | None, dict[str, int]]:
    """(perturbed people, {published area: perturbed reflections}) of rows (id, pid, areas, …, key last),
    with the digests' suppression: (None, {}) when fewer than k people."""
    lexicon = load_lexicon()
    areas = [c.id for c in lexicon.areas] + [OTHER]
    people: dict = {"total": set(), **{a: set() for a in areas}}
    counts = dict.fromkeys(areas, 0)
    keys = {row[1]: row[-1] for row in rows}
    for _rid, pid, r_areas, *_ in rows:
        people["total"].add(pid)
        for a in [a for a in (r_areas or lexicon.area_ids("")) if a in counts] or [OTHER]:
            people[a].add(pid)
            counts[a] += 1
    frozen = {key: frozenset(v) for key, v in people.items()}
    # Nested: a hidden total hides every theme (one output, one answer).
    hidden = hide_nested(suppress(frozen, [Line("total", tuple(areas))], k, known_zeros=True),
                         {a: ("total",) for a in areas})
    table = table_key(scope, frozen["total"], keys)
    published = {key: publish_people(who, keys, k, counts.get(key), table=table, label=key)
                 for key, who in frozen.items() if key not in hidden}
    if published.get("total") is None:
        return None, {}
    return published["total"].participants, {
        a: pub.reflections for a in areas if (pub := published.get(a)) is not None}


def prompt_summary(session: Session, prompt_id: str, *, lang: str, k: int = 5,
                   exclude_participant: int | None = None) -> PromptSummary:
    rows = session.execute(
        select(Reflection.id, Reflection.participant_id, Reflection.areas, Reflection.language,
               Reflection.quotable, Reflection.crisis, Reflection.text, Participant.consent_state,
               Participant.record_key)
        .join(Participant, Participant.id == Reflection.participant_id)
        .where(Reflection.prompt_id == prompt_id, Reflection.hidden.is_(False))
    ).all()
    participants, shown = _theme_cells(rows, f"prompt:{prompt_id}", k)
    if participants is None:
        return PromptSummary(prompt_id, None)
    blocked = names()
    quotes: list[tuple[int, str]] = []
    used: set[int] = set()
    ordered = sorted(rows, key=lambda r: hashlib.sha256(f"{prompt_id}:{r[0]}".encode()).hexdigest())
    for rid, pid, r_areas, language, quotable, crisis, text, consent, _key in ordered:
        if len(quotes) >= MAX_QUOTES:
            break
        text = (text or "").strip()
        if (not quotable or crisis or consent != "given" or language != lang or pid == exclude_participant
                or pid in used or not 20 <= len(text) <= QUOTE_MAX_CHARS
                or any(f"[{p}]" in text.lower() for p in PLACEHOLDERS)
                or any(w in blocked for w in words_of(text))
                or not any(a in shown for a in (r_areas or [OTHER]))):
            continue
        quotes.append((rid, text))
        used.add(pid)
    return PromptSummary(prompt_id, participants, shown, quotes)


def municipality_summary(session: Session, municipality: str, start: datetime, end: datetime, *,
                         k: int = 5) -> PromptSummary:
    """What people in one municipality wrote in [start, end): people and themes, no quotes (a local
    quote is too easy to place). The same suppression and noise as every other table."""
    rows = session.execute(
        select(Reflection.id, Reflection.participant_id, Reflection.areas, Participant.record_key)
        .join(Participant, Participant.id == Reflection.participant_id)
        .where(Participant.municipality == municipality, Participant.consent_state == "given",
               Reflection.hidden.is_(False), Reflection.created_at >= start, Reflection.created_at < end)
    ).all()
    scope = f"municipality:{municipality}:{start.isoformat()}:{end.isoformat()}"
    participants, shown = _theme_cells(rows, scope, k)
    return PromptSummary(scope, participants, shown if participants is not None else {})


def summary_lines(summary: PromptSummary, lang: str) -> list[str]:
    """The title, how many answered, each shown theme, and the quotes (when more than k answered)."""
    lexicon = load_lexicon()
    lines = [t(lang, "summary.title"), t(lang, "summary.count_line", participants=summary.participants)]
    for area, count in sorted(summary.areas.items(), key=lambda kv: -kv[1]):
        name = lexicon.categories[area].name(lang) if area in lexicon.categories else (
            "andet" if lang == "da" else "other")
        lines.append(t(lang, "summary.area_line", area=name, count=count))
    if summary.quotes:
        lines += ["", t(lang, "summary.quotes_intro")]
        lines += [t(lang, "summary.quote_line", text=text) for _, text in summary.quotes]
    return lines


def summary_text(summary: PromptSummary, lang: str) -> str:
    if summary.participants is None:
        return t(lang, "summary.too_few")
    return "\n".join(summary_lines(summary, lang))
