"""Denmark's 98 municipalities with their regions, and a forgiving matcher for what people type."""

from __future__ import annotations

import os
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

__all__ = [
    "Municipality",
    "load_municipalities",
    "match_municipality",
    "regions",
    "suggest_municipalities",
]

# Ordered east to west, the order people in Denmark usually list them.
_REGIONS: tuple[str, ...] = (
    "Region Hovedstaden",
    "Region Sjælland",
    "Region Syddanmark",
    "Region Midtjylland",
    "Region Nordjylland",
)
# Hard-coded on purpose: a municipality filed under the wrong region is the
# likeliest data error, and only a fixed expectation catches it. Change these
# together with the data file if a reform ever changes the map.
_EXPECTED_PER_REGION: dict[str, int] = {
    "Region Hovedstaden": 29,
    "Region Sjælland": 17,
    "Region Syddanmark": 22,
    "Region Midtjylland": 19,
    "Region Nordjylland": 11,
}
_EXPECTED_TOTAL = 98
_FIELDS = frozenset({"name", "code", "region", "aliases"})

_MAX_INPUT_CHARS = 100
# Words people wrap around the name ("Aarhus Kommune", "Municipality of
# Odense"); they carry no information about which municipality is meant.
_FILLER_WORDS = frozenset(
    {"kommune", "kommunes", "kommunen", "regionskommune", "municipality", "of"}
)
# Spell the Danish letters out the way Danes do on a keyboard without them, so
# "Århus" and "Aarhus", "Køge" and "Koege" become the same key.
_SPELL_OUT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue"})
# Hyphenated names are often shortened to one half ("Lyngby", "Taastrup"); a
# shorter half would be too likely to mean something else.
_MIN_PART_LETTERS = 4


@dataclass(frozen=True)
class Municipality:
    name: str
    region: str
    code: int
    aliases: tuple[str, ...]


def regions() -> tuple[str, ...]:
    return _REGIONS


def load_municipalities(path: str | os.PathLike[str] | None = None) -> tuple[Municipality, ...]:
    """Read and validate the municipality table (the packaged one unless `path` is given).

    Raises ValueError naming the offending entry if the data is wrong.
    """
    return _load(None if path is None else os.fspath(path))


@cache
def _load(path: str | None) -> tuple[Municipality, ...]:
    if path is None:
        source = "content/municipalities.toml"
        raw = resources.files("content").joinpath("municipalities.toml").read_bytes()
    else:
        source = path
        raw = Path(path).read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{source}: not valid UTF-8 TOML: {exc}") from exc
    return _validate(data, source)


def _validate(data: dict, source: str) -> tuple[Municipality, ...]:
    entries = data.get("municipality")
    if not isinstance(entries, list):
        raise ValueError(f"{source}: expected [[municipality]] tables")

    result: list[Municipality] = []
    for number, entry in enumerate(entries, start=1):
        label = f"{source}: municipality #{number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{label}: not a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{label}: missing or empty 'name'")
        label = f"{label} ({name!r})"
        unknown = set(entry) - _FIELDS
        if unknown:
            raise ValueError(f"{label}: unknown field(s) {sorted(unknown)}")
        region = entry.get("region")
        if region not in _REGIONS:
            raise ValueError(f"{label}: unknown region {region!r}")
        code = entry.get("code")
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 999:
            raise ValueError(f"{label}: 'code' must be a three-digit integer, got {code!r}")
        aliases = entry.get("aliases")
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ValueError(f"{label}: 'aliases' must be a list of non-empty strings")
        for spelling in (name, *aliases):
            if not _canonical(spelling):
                raise ValueError(f"{label}: {spelling!r} has nothing left to match on")
        result.append(Municipality(name=name, region=region, code=code, aliases=tuple(aliases)))

    names: dict[str, Municipality] = {}
    codes: dict[int, Municipality] = {}
    # Every spelling must point at one municipality, or typing it could never
    # give a single answer.
    keys: dict[str, Municipality] = {}
    for m in result:
        if m.name in names:
            raise ValueError(f"{source}: duplicate name {m.name!r}")
        if m.code in codes:
            raise ValueError(f"{source}: {m.name!r} reuses code {m.code} of {codes[m.code].name!r}")
        names[m.name] = m
        codes[m.code] = m
        for spelling in (m.name, *m.aliases):
            key = _canonical(spelling)
            other = keys.setdefault(key, m)
            if other is not m:
                raise ValueError(
                    f"{source}: {m.name!r} spelling {spelling!r} clashes with {other.name!r}"
                )

    if len(result) != _EXPECTED_TOTAL:
        raise ValueError(f"{source}: {len(result)} municipalities, expected {_EXPECTED_TOTAL}")
    for region, expected in _EXPECTED_PER_REGION.items():
        found = sum(1 for m in result if m.region == region)
        if found != expected:
            raise ValueError(f"{source}: {region} has {found} municipalities, expected {expected}")
    return tuple(result)


# ── normalisation ──────────────────────────────────────────────────────────


def _words(text: str) -> list[str]:
    folded = text.casefold().translate(_SPELL_OUT)
    # Decompose so accents typed by non-Danish keyboards ("Tónder") drop away.
    plain = "".join(
        ch if ch.isalnum() else " "
        for ch in unicodedata.normalize("NFKD", folded)
        if not unicodedata.combining(ch)
    )
    words = plain.split()
    while words and words[0] in _FILLER_WORDS:
        words.pop(0)
    while words and words[-1] in _FILLER_WORDS:
        words.pop()
    return words


def _canonical(text: str) -> str:
    # Joined without separators so "Høje Taastrup", "Høje-Taastrup" and
    # "HøjeTaastrup" agree.
    return "".join(_words(text))


def _loosen(canonical: str) -> str:
    # People without Danish letters also write "o" for ø and "a" for å/æ
    # ("Kobenhavn", "Tarnby"); collapse both spellings to that.
    return canonical.replace("aa", "a").replace("ae", "a").replace("oe", "o")


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _typo_budget(spelling: str) -> int:
    letters = _letters(spelling)
    if letters >= 9:
        return 2
    if letters >= 5:
        return 1
    return 0


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a swap of neighbours as one edit; anything above `limit` is `limit + 1`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        # No later row can come back under the limit once a whole row is over it.
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


# ── index ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _FuzzyKey:
    loose: str
    budget: int
    municipality: Municipality


@dataclass(frozen=True)
class _Index:
    canonical: dict[str, tuple[Municipality, ...]]
    loose: dict[str, tuple[Municipality, ...]]
    parts: dict[str, tuple[Municipality, ...]]
    fuzzy: tuple[_FuzzyKey, ...]
    # Halves of hyphenated names, only for ranking suggestions.
    part_keys: tuple[tuple[str, Municipality], ...]


def _group(pairs: Iterable[tuple[str, Municipality]]) -> dict[str, tuple[Municipality, ...]]:
    grouped: dict[str, list[Municipality]] = {}
    for key, m in pairs:
        bucket = grouped.setdefault(key, [])
        if m not in bucket:
            bucket.append(m)
    return {key: tuple(ms) for key, ms in grouped.items()}


@cache
def _index() -> _Index:
    municipalities = load_municipalities()
    spellings = [(s, m) for m in municipalities for s in (m.name, *m.aliases)]
    part_pairs: list[tuple[str, Municipality]] = []
    for m in municipalities:
        halves = m.name.replace("-", " ").split()
        if len(halves) > 1:
            for half in halves:
                if _letters(half) >= _MIN_PART_LETTERS:
                    key = _canonical(half)
                    part_pairs += [(key, m), (_loosen(key), m)]
    return _Index(
        canonical=_group((_canonical(s), m) for s, m in spellings),
        loose=_group((_loosen(_canonical(s)), m) for s, m in spellings),
        parts=_group(part_pairs),
        fuzzy=tuple(_FuzzyKey(_loosen(_canonical(s)), _typo_budget(s), m) for s, m in spellings),
        part_keys=tuple(part_pairs),
    )


def _input_key(text: object) -> tuple[str, str] | None:
    if not isinstance(text, str) or len(text) > _MAX_INPUT_CHARS:
        return None
    stripped = text.strip()
    # Control and format characters (NUL, zero-width joiners, bidi overrides)
    # never occur in an honest answer and can disguise one name as another.
    if any(unicodedata.category(ch).startswith("C") for ch in stripped):
        return None
    canonical = _canonical(stripped)
    if not canonical:
        return None
    return canonical, _loosen(canonical)


# ── public matching ────────────────────────────────────────────────────────


def match_municipality(text: str) -> Municipality | None:
    """The one municipality `text` names, or None if it names none or could name several.

    Never raises on any input.
    """
    key = _input_key(text)
    if key is None:
        return None
    return _match(*key)


@lru_cache(maxsize=4096)
def _match(canonical: str, loose: str) -> Municipality | None:
    index = _index()
    # Most certain first; an ambiguous hit stops the search rather than
    # letting a vaguer rule pick one of the candidates.
    lookups: list[tuple[dict[str, tuple[Municipality, ...]], str]] = [
        (index.canonical, canonical),
        (index.loose, loose),
    ]
    # "Hillerøds Kommune", "Københavns": the genitive people use before "Kommune".
    if canonical.endswith("s") and len(canonical) > 3:
        lookups += [(index.canonical, canonical[:-1]), (index.loose, loose[:-1])]
    lookups += [(index.parts, canonical), (index.parts, loose)]
    for table, key in lookups:
        found = table.get(key)
        if found:
            return found[0] if len(found) == 1 else None

    close = {
        entry.municipality
        for entry in index.fuzzy
        if entry.budget and _distance(loose, entry.loose, entry.budget) <= entry.budget
    }
    return close.pop() if len(close) == 1 else None


def suggest_municipalities(text: str, limit: int = 3) -> list[Municipality]:
    """Up to `limit` municipalities closest to `text`, best first, for a "did you mean …?" reply."""
    key = _input_key(text)
    if key is None or not isinstance(limit, int) or limit <= 0:
        return []
    _, loose = key
    index = _index()
    # Beyond this, "suggestions" are just unrelated names.
    cutoff = max(2, len(loose) * 2 // 5)
    best: dict[Municipality, int] = {}
    candidates = [(entry.loose, entry.municipality) for entry in index.fuzzy]
    candidates += list(index.part_keys)
    for spelling, m in candidates:
        score = _distance(loose, spelling, cutoff)
        # A good start ("Frederiks", "Vej") is worth offering even if the rest
        # is missing.
        if len(loose) >= 3 and spelling.startswith(loose):
            score = min(score, 1)
        if score <= cutoff and score < best.get(m, cutoff + 1):
            best[m] = score
    ranked = sorted((score, m.name, m.code) for m, score in best.items())
    by_code = {m.code: m for m in best}
    return [by_code[code] for _, _, code in ranked[:limit]]
