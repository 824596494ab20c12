"""Emerging terms: words and two-word phrases used by more people this period than the last.

A term is counted once per participant (not per reflection), so one prolific writer cannot make a
term emerge, and it is only published when at least k distinct participants used it. Stop words
(Danish, English), names, words mostly written with a capital inside a sentence, numbers and the
scrubber's placeholders are never terms.
"""
from __future__ import annotations

import math
import re
from collections import _count_elements  # Counter.update's own loop (in C), without its per-call checks
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from operator import itemgetter

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

    people: dict[str, int]  # term -> how many distinct participants used it
    participants: int  # distinct participants with any text in the period
    capitalised: dict[str, int]
    inner: dict[str, int]  # occurrences not at the start of a sentence

    def proper_nouns(self) -> set[str]:
        return {w for w, n in self.inner.items() if n and self.capitalised.get(w, 0) * 2 >= n}


class _Vocabulary(dict):
    """raw token -> its lower-case word if it can be a term, else None; worked out once per token."""

    def __init__(self, stop: frozenset[str], blocked: frozenset[str]) -> None:
        super().__init__()
        self.stop, self.blocked = stop, blocked

    def __missing__(self, raw: str) -> str | None:
        word = raw.lower()
        term = word if len(word) >= MIN_LETTERS and word not in self.stop and word not in self.blocked else None
        self[raw] = term
        return term


def count_terms(rows: Iterable[tuple[int, str]]) -> TermCounts:
    """rows: (participant id, text). Words and adjacent word pairs, each counted once per participant.

    Written for a year of reflections (a million rows): the per-token work runs in C (regular
    expressions, `map` over a vocabulary cache, `set.update` with `zip` for the pairs, counting as
    `Counter` does). Rows are taken in participant order and a person's terms are collected in one
    set, counted when the next person starts: memory holds one person's terms, not a set of
    participants for every term.
    """
    vocab = _Vocabulary(stopwords() | PLACEHOLDERS, names())
    lookup = vocab.__getitem__
    split, tokens_of, placeholder = _SENTENCE.split, _TOKEN.findall, _PLACEHOLDER.sub
    per_term: dict = {}
    inner_raw: dict = {}  # raw tokens not at the start of a sentence
    writers = 0
    current: int | None = None
    terms: set = set()  # the current person's words and (word, word) pairs; None marks a non-term
    for pid, text in sorted(((pid, text) for pid, text in rows if text), key=itemgetter(0)):
        if pid != current:
            _count_elements(per_term, terms)
            terms = set()
            current = pid
            writers += 1
        for sentence in split(placeholder(" . ", text) if "[" in text else text):
            tokens = tokens_of(sentence)
            if not tokens:
                continue
            _count_elements(inner_raw, tokens[1:])
            words = list(map(lookup, tokens))
            terms.update(words)
            terms.update(zip(words, words[1:]))
    _count_elements(per_term, terms)
    people: dict[str, int] = {}
    for term, n in per_term.items():
        if term.__class__ is tuple:
            if term[0] is not None and term[1] is not None:
                people[f"{term[0]} {term[1]}"] = n
        elif term is not None:
            people[term] = n
    inner: dict[str, int] = {}
    capitalised: dict[str, int] = {}
    for raw, n in inner_raw.items():
        word = raw.lower()
        inner[word] = inner.get(word, 0) + n
        if raw[0].isupper():
            capitalised[word] = capitalised.get(word, 0) + n
    return TermCounts(people, writers, capitalised, inner)


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
    for term, c in current.people.items():
        if c < k:
            continue
        words = term.split(" ")
        if any(w in nouns for w in words):
            continue
        before = previous.people.get(term, 0)
        score = math.log((c + 1) / (n_cur + 2)) - math.log((before + 1) / (n_prev + 2))
        if score <= 0:
            continue
        out.append(Term(term, "phrase" if len(words) > 1 else "word", c,
                        before if before >= k else None, score * math.sqrt(c)))
    out.sort(key=lambda t: (-t.score, t.term))
    return out[:limit]
