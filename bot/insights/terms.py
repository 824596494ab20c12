"""Emerging terms: words and two-word phrases used by more people this period than the last.

A term is counted once per participant (not per reflection), so one prolific writer cannot make a
term emerge, and it is only published when at least k distinct participants used it. Stop words
(Danish, English), names, words mostly written with a capital inside a sentence, numbers and the
scrubber's placeholders are never terms.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

PLACEHOLDERS = frozenset({"cpr", "telefon", "email", "link", "handle"})
_PLACEHOLDER = re.compile(r"\[(?:cpr|telefon|email|link|handle)\]", re.I)
_SENTENCE = re.compile(r"[.!?\n]+")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
MIN_LETTERS = 3


def _read_list(name: str) -> frozenset[str]:
    text = (files("content") / "stopwords" / name).read_text(encoding="utf-8")
    return frozenset(w.lower() for line in text.splitlines() if not line.lstrip().startswith("#")
                     for w in line.split())


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return _read_list("da.txt") | _read_list("en.txt")


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    return _read_list("names.txt")


@dataclass
class TermCounts:
    """Distinct participants per term in one period, and how often each word was capitalised."""

    people: dict[str, set[int]]
    participants: int  # distinct participants with any text in the period
    capitalised: dict[str, int]
    inner: dict[str, int]  # occurrences not at the start of a sentence

    def proper_nouns(self) -> set[str]:
        return {w for w, n in self.inner.items() if n and self.capitalised.get(w, 0) * 2 >= n}


def count_terms(rows: Iterable[tuple[int, str]]) -> TermCounts:
    """rows: (participant id, text). Words and adjacent word pairs, each once per reflection."""
    stop = stopwords() | PLACEHOLDERS
    blocked = names()
    people: dict[str, set[int]] = {}
    capitalised: dict[str, int] = {}
    inner: dict[str, int] = {}
    writers: set[int] = set()
    for pid, text in rows:
        if not text:
            continue
        writers.add(pid)
        terms: set[str] = set()
        for sentence in _SENTENCE.split(_PLACEHOLDER.sub(" . ", text)):
            tokens = _TOKEN.findall(sentence)
            prev: str | None = None
            for i, raw in enumerate(tokens):
                word = raw.lower()
                if i > 0:
                    inner[word] = inner.get(word, 0) + 1
                    if raw[0].isupper():
                        capitalised[word] = capitalised.get(word, 0) + 1
                ok = len(word) >= MIN_LETTERS and word not in stop and word not in blocked
                if ok:
                    terms.add(word)
                    if prev is not None:
                        terms.add(f"{prev} {word}")
                prev = word if ok else None
        for term in terms:
            bucket = people.get(term)
            if bucket is None:
                people[term] = {pid}
            else:
                bucket.add(pid)
    return TermCounts(people, len(writers), capitalised, inner)


@dataclass(frozen=True)
class Term:
    term: str
    kind: str  # word | phrase
    participants: int
    previous_participants: int | None  # None when fewer than k last period (not published)
    score: float

    def as_dict(self) -> dict:
        return {"term": self.term, "kind": self.kind, "participants": self.participants,
                "previous_participants": self.previous_participants,
                "new": self.previous_participants is None, "score": round(self.score, 3)}


def emerging_terms(current: TermCounts, previous: TermCounts, k: int, limit: int) -> list[Term]:
    """The terms that rose most (smoothed log ratio of the share of participants using them)."""
    if limit <= 0 or current.participants < k:
        return []
    nouns = current.proper_nouns()
    n_cur, n_prev = current.participants, previous.participants
    out = []
    for term, who in current.people.items():
        c = len(who)
        if c < k:
            continue
        words = term.split(" ")
        if any(w in nouns for w in words):
            continue
        before = len(previous.people.get(term, ()))
        score = math.log((c + 1) / (n_cur + 2)) - math.log((before + 1) / (n_prev + 2))
        if score <= 0:
            continue
        out.append(Term(term, "phrase" if len(words) > 1 else "word", c,
                        before if before >= k else None, score * math.sqrt(c)))
    out.sort(key=lambda t: (-t.score, t.term))
    return out[:limit]
