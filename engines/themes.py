"""Themes: which strategy areas a reflection is about, from lexicons in content/themes.toml.

Classification explains itself: every area comes with the words (and the lexicon entries) that
matched it. The lexicon format is described at the top of content/themes.toml; `load_lexicon`
validates it and names the entry that is wrong.

On the hot path (`area_ids`, called when a reflection is stored) a classification costs a regular
expression split and a few dictionary look-ups per word; what a word matched is cached.
"""
from __future__ import annotations

import os
import re
import time
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from engines.theme_classification import Classification
from engines.themes_model import decide_areas

OTHER = "andet"
AREA_IDS = ("hjem", "uddannelse", "fritid", "arbejde", "sundhed")
# Letters, digits and an inner apostrophe ("sfo'en"); placeholders like [telefon] become plain words
# but never match, since no lexicon entry is a placeholder.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_ENTRY = re.compile(r"^\*?[^\W_](?:[^\W_']|'(?=[^\W_]))*\*?$", re.UNICODE)
_CACHE_LIMIT = 200_000


class LexiconError(ValueError):
    """The lexicon file is wrong; the message names the file, section and entry."""


@dataclass(frozen=True)
class _Pattern:
    kind: str  # exact | prefix | suffix | infix
    stem: str
    text: str  # as written in the lexicon

    def matches(self, word: str) -> bool:
        if self.kind == "exact":
            return word == self.stem
        if self.kind == "prefix":
            return word.startswith(self.stem)
        if self.kind == "suffix":
            return word.endswith(self.stem)
        return self.stem in word


@dataclass(frozen=True)
class Category:
    id: str
    kind: str  # area | group
    name_da: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_da if lang == "da" else self.name_en


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().replace("’", "'")


def words_of(text: str) -> list[str]:
    """The lower-case words of a text, as the lexicon sees them."""
    return _WORD.findall(_normalise(text))


def _pattern(raw: str, where: str) -> _Pattern:
    entry = raw.strip().lower()
    if not _ENTRY.match(entry):
        raise LexiconError(f"{where}: {raw!r} is not a word, word*, *word or *word*")
    stem = entry.strip("*")
    starts, ends = entry.startswith("*"), entry.endswith("*")
    kind = "infix" if starts and ends else "suffix" if starts else "prefix" if ends else "exact"
    if kind in ("prefix", "suffix") and len(stem) < 3 or kind == "infix" and len(stem) < 4:
        raise LexiconError(f"{where}: {raw!r} is too short a stem to match safely "
                           "(3 letters for word* and *word, 4 for *word*)")
    return _Pattern(kind, stem, entry)


class Lexicon:
    """A compiled lexicon: categories, word patterns, phrases and exclusions."""

    def __init__(self, data: dict, source: str = "content/themes.toml") -> None:
        self.source = source
        self.version = str(data.get("version", "unversioned"))
        self.categories: dict[str, Category] = {}
        self._exact: dict[str, list[tuple[str, _Pattern]]] = {}
        self._prefix: dict[str, list[tuple[str, _Pattern]]] = {}
        self._suffix: dict[str, list[tuple[str, _Pattern]]] = {}
        self._infix: list[tuple[str, _Pattern]] = []
        self._exclude: dict[str, list[_Pattern]] = {}
        # first word's exact stem (or "" for a wildcard first word) -> [(category, patterns, text)]
        self._phrases: dict[str, list[tuple[str, tuple[_Pattern, ...], str]]] = {}
        self._cache: dict[str, tuple[tuple[str, str], ...]] = {}
        unknown = set(data) - {"version", "areas", "groups"}
        if unknown:
            raise LexiconError(f"{source}: unknown top-level key(s) {sorted(unknown)}")
        for kind, section in (("area", "areas"), ("group", "groups")):
            for cid, table in (data.get(section) or {}).items():
                self._add(kind, f"{section}.{cid}", cid, table)
        missing = [a for a in AREA_IDS if a not in self.categories]
        if missing:
            raise LexiconError(f"{source}: the strategy area(s) {missing} are missing under [areas]")

    def _add(self, kind: str, where: str, cid: str, table: dict) -> None:
        where = f"{self.source} [{where}]"
        if not isinstance(table, dict):
            raise LexiconError(f"{where}: must be a table")
        allowed = {"name_da", "name_en", "da", "en", "exclude"}
        if set(table) - allowed:
            raise LexiconError(f"{where}: unknown key(s) {sorted(set(table) - allowed)}; use {sorted(allowed)}")
        if cid == OTHER or cid in self.categories:
            raise LexiconError(f"{where}: the id {cid!r} is reserved or used twice")
        self.categories[cid] = Category(cid, kind, str(table.get("name_da", cid)), str(table.get("name_en", cid)))
        for lang in ("da", "en"):
            entries = table.get(lang, [])
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                raise LexiconError(f"{where}: `{lang}` must be a list of strings")
            for raw in entries:
                # A hyphen is a word break in texts ("petanque-holdet"), so it is one in entries too.
                parts = raw.replace("-", " ").split()
                if not parts:
                    raise LexiconError(f"{where}: an empty entry in `{lang}`")
                if len(parts) > 1:
                    patterns = tuple(_pattern(p, f"{where} {lang} {raw!r}") for p in parts)
                    first = patterns[0].stem if patterns[0].kind == "exact" else ""
                    self._phrases.setdefault(first, []).append((cid, patterns, " ".join(parts).lower()))
                    continue
                p = _pattern(raw, f"{where} {lang}")
                target = {"exact": self._exact, "prefix": self._prefix, "suffix": self._suffix}.get(p.kind)
                if target is None:
                    self._infix.append((cid, p))
                else:
                    target.setdefault(p.stem, []).append((cid, p))
        self._exclude[cid] = [_pattern(e, f"{where} exclude") for e in table.get("exclude", [])]

    @property
    def areas(self) -> list[Category]:
        return [c for c in self.categories.values() if c.kind == "area"]

    @property
    def groups(self) -> list[Category]:
        return [c for c in self.categories.values() if c.kind == "group"]

    def _excluded(self, cid: str, word: str) -> bool:
        return any(p.matches(word) for p in self._exclude.get(cid, ()))

    def word_matches(self, word: str) -> tuple[tuple[str, str], ...]:
        """(category, entry) for every single-word entry this word matches, exclusions applied."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        found: list[tuple[str, _Pattern]] = list(self._exact.get(word, ()))
        n = len(word)
        for i in range(3, n + 1):
            found.extend(self._prefix.get(word[:i], ()))
        for i in range(0, n - 2):
            found.extend(self._suffix.get(word[i:], ()))
        found.extend((cid, p) for cid, p in self._infix if p.stem in word)
        seen: dict[str, str] = {}
        for cid, p in found:
            if cid not in seen and not self._excluded(cid, word):
                seen[cid] = p.text
        result = tuple(seen.items())
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def classify(self, text: str) -> Classification:
        words = words_of(text)
        used = [False] * len(words)
        matches: dict[str, list[tuple[str, str]]] = {}
        if self._phrases:
            for i, word in enumerate(words):
                for cid, patterns, entry in (*self._phrases.get(word, ()), *self._phrases.get("", ())):
                    end = i + len(patterns)
                    if end <= len(words) and not any(used[i:end]) and all(
                            p.matches(w) for p, w in zip(patterns, words[i:end])):
                        if not any(self._excluded(cid, w) for w in words[i:end]):
                            matches.setdefault(cid, []).append((" ".join(words[i:end]), entry))
                            used[i:end] = [True] * len(patterns)
        for i, word in enumerate(words):
            if used[i]:
                continue
            for cid, entry in self.word_matches(word):
                matches.setdefault(cid, []).append((word, entry))
        areas = tuple(c.id for c in self.categories.values() if c.kind == "area" and c.id in matches)
        groups = tuple(c.id for c in self.categories.values() if c.kind == "group" and c.id in matches)
        return Classification(areas or (OTHER,), groups, {c: tuple(m) for c, m in matches.items()})

    def area_ids(self, text: str) -> list[str]:
        """The areas for storage, main area first: this lexicon's matches, ranked (and, with none, perhaps
        named) by the trained second stage (engines/themes_model.py)."""
        return list(decide_areas(text, self.classify(text)))


def parse_lexicon(text: str, source: str = "lexicon") -> Lexicon:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{source}: not valid TOML: {exc}") from None
    return Lexicon(data, source)


def load_lexicon(path: str | os.PathLike[str] | None = None) -> Lexicon:
    """The packaged lexicon (content/themes.toml), or the file at `path`."""
    if path is None:
        return _packaged(_packaged_stamp())
    p = Path(path)
    try:
        return parse_lexicon(p.read_text(encoding="utf-8"), str(p))
    except FileNotFoundError:
        raise LexiconError(f"lexicon file not found: {p}") from None


@lru_cache(maxsize=1)
def _packaged_path() -> Path:
    return Path(str(files("content") / "themes.toml"))


_STAMP_EVERY = 5.0  # seconds; classification is on the hot path of every reflection


def _packaged_stamp() -> float:
    """The lexicon file's mtime, looked at every few seconds, so a facilitator's edit is picked up."""
    return _stamp_in_window(int(time.monotonic() // _STAMP_EVERY))


@lru_cache(maxsize=1)
def _stamp_in_window(_window: int) -> float:
    try:
        return _packaged_path().stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=2)
def _packaged(_stamp: float) -> Lexicon:
    path = _packaged_path()
    return parse_lexicon(path.read_text(encoding="utf-8"), "content/themes.toml")


def classify(text: str, lexicon: Lexicon | None = None) -> Classification:
    return (lexicon or load_lexicon()).classify(text)


def area_ids(text: str) -> list[str]:
    """The areas of a (scrubbed) reflection with the packaged lexicon; what reflections store."""
    return load_lexicon().area_ids(text)


def area_name(area: str, lang: str = "da", lexicon: Lexicon | None = None) -> str:
    if area == OTHER:
        return "andet" if lang == "da" else "other"
    category = (lexicon or load_lexicon()).categories.get(area)
    return category.name(lang) if category else area


# -- evaluation against a labelled set ----------------------------------------------------------------

def load_labelled(path: str | os.PathLike[str]) -> list[tuple[frozenset[str], str, str, str]]:
    """(areas, split, lang, text) per row of a labelled TSV (see tests/data/themes_labelled.tsv)."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("areas\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise ValueError(f"{path}:{n}: expected 4 tab-separated columns, got {len(parts)}")
        areas, split, lang, text = parts
        rows.append((frozenset(a.strip() for a in areas.split(",")), split, lang, text))
    return rows


@dataclass
class Evaluation:
    total: int
    exact: int  # predicted set == labelled set
    per_area: dict[str, dict[str, float]]  # area -> precision, recall, f1, support
    mistakes: list[tuple[str, list[str], list[str]]]  # text, labelled, predicted

    @property
    def accuracy(self) -> float:
        return self.exact / self.total if self.total else 0.0


def evaluate(rows, lexicon: Lexicon | None = None) -> Evaluation:
    lexicon = lexicon or load_lexicon()
    ids = [c.id for c in lexicon.areas] + [OTHER]
    tp = dict.fromkeys(ids, 0)
    fp = dict.fromkeys(ids, 0)
    fn = dict.fromkeys(ids, 0)
    exact = 0
    mistakes = []
    for gold, _split, _lang, text in rows:
        predicted = set(lexicon.classify(text).areas)
        if predicted == gold:
            exact += 1
        else:
            mistakes.append((text, sorted(gold), sorted(predicted)))
        for a in ids:
            if a in predicted and a in gold:
                tp[a] += 1
            elif a in predicted:
                fp[a] += 1
            elif a in gold:
                fn[a] += 1
    per_area = {}
    for a in ids:
        p = tp[a] / (tp[a] + fp[a]) if tp[a] + fp[a] else 1.0
        r = tp[a] / (tp[a] + fn[a]) if tp[a] + fn[a] else 1.0
        per_area[a] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                       "support": tp[a] + fn[a]}
    return Evaluation(len(rows), exact, per_area, mistakes)
