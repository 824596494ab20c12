"""Danish, Norwegian or Swedish: decided by words and spellings only one of them has, Danish when none do.

The three are close enough that a statistical model of letters leans on how often shared words happen
to occur in its training lines. What a reader goes by is sharper: "meg", "ikkje", "takk", "leilighet"
are Norwegian; "jag", "inte", "och", "ä" are Swedish; "mig", "nogen", "lidt", "lejlighed" are Danish.
Each distinct word votes once: from the lists in content/models/langid_neighbours.toml, else (half a
vote) from its spelling. The text is Norwegian or Swedish only when that language has more votes than
Danish (and than the other neighbour); a text the three share is Danish.
"""
from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

WORDS_PATH = Path(__file__).resolve().parents[1] / "content" / "models" / "langid_neighbours.toml"


def _load_lists(path: Path = WORDS_PATH) -> dict[str, frozenset[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {lang: frozenset(data[lang].split()) for lang in ("da", "no", "sv")}


# Words of one of the three that at least one of the other two does not write (content/models/).
_LISTS: dict[str, frozenset[str]] = _load_lists()

# Spellings, for words in no list: (pattern, language). Half a vote each: spellings travel.
_SPELLINGS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"[äö]"), ("sv",)),
    (re.compile(r"(?:ar|or)na$|^\w{4,}era$|^\w{2,}[bdfgklmnprstv]ar$"), ("sv",)),
    (re.compile(r"skap$|skapet$"), ("no", "sv")),
    (re.compile(r"ej|hed$|heden$|erne$|[^i]gt$|skab$|skabet$"), ("da",)),
    (re.compile(r"ei|øy|het$|heten$|sjon$|sjonen$|kk$|(?<!e)tt$|nn$|^kj|^skj"), ("no",)),
)
SPELLING_VOTE = 0.5
NEIGHBOURS = ("da", "no", "sv")


_POSSESSIVE = frozenset("min mi mitt mine din di ditt dine sin si sitt sine vår vårt våre".split())


@lru_cache(maxsize=65_536)
def _vote(word: str) -> tuple[tuple[str, float], ...]:
    """(language, vote) pairs for one word; remembered, as chat repeats its words."""
    listed = [lang for lang in NEIGHBOURS if word in _LISTS[lang]]
    if listed:
        # One list: that language. Two: "not the third" - half each.
        return tuple((lang, 1.0 / len(listed)) for lang in listed) if len(listed) < 3 else ()
    for pattern, langs in _SPELLINGS:  # in order: ä and ö say Swedish whatever else the word does
        if pattern.search(word):
            return tuple((lang, SPELLING_VOTE) for lang in langs)
    return ()


def forget_words() -> None:
    """Forget the remembered votes (for a benchmark of first sight)."""
    _vote.cache_clear()


def neighbour_votes(words: list[str]) -> dict[str, float]:
    """How strongly the words are Danish, Norwegian or Swedish only (each distinct word votes once)."""
    votes = dict.fromkeys(NEIGHBOURS, 0.0)
    for word in set(words):
        for lang, vote in _vote(word):
            votes[lang] += vote
    # "familien min", "mora mi": the possessive after a definite noun is Norwegian, never Danish.
    if any(w in _POSSESSIVE and prev.endswith(("en", "et", "a", "ene", "ne")) for prev, w in zip(words, words[1:])):
        votes["no"] += 1.0
    # "nå" ending a sentence is Norwegian "now"; Danish "nå" opens one ("nå ja", "nå men").
    if len(words) > 1 and words[-1] == "nå":
        votes["no"] += 1.0
    return votes


def is_scandinavian_word(word: str) -> bool:
    """A word in one of the three lists."""
    return any(word in words for words in _LISTS.values())


def danish_or_neighbour(words: list[str], nb: dict[str, float] | None = None, lean: str | None = None) -> str:
    """'no' or 'sv' when the text says so, otherwise 'da'.

    `nb` (the model's scores) breaks a tie between the two neighbours; `lean` ('no' or 'sv', from the
    platform's locale) takes a text that reads the same in Danish: the device says who is writing.
    """
    votes = neighbour_votes(words)
    nb = nb or {}
    best = max(("sv", "no"), key=lambda lang: (votes[lang], lang == lean, nb.get(lang, 0.0)))
    if votes[best] > votes["da"] or (best == lean and votes[best] == votes["da"]):
        return best
    return "da"
