"""The compiled crisis lexicon, filed by prefix, and detect_crisis: the check every message passes."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engines.crisis import prepared
from engines.crisis.filing import _filed, _key, _keyed
from engines.crisis.folding import normalise
from engines.crisis.lexicon import _Entry, _group_entries, _read_toml


@dataclass(frozen=True)
class CrisisMatch:
    group: str  # lexicon group, e.g. "suicide", "means", "farewell"
    phrase: str  # the matched words, in normalised form (lower case, æøå folded)


_WORD_START = r"(?<![a-z0-9])"
_TAIL = r"(?![a-z0-9])"


class _LazyPattern:
    """A pattern compiled the first time it is needed (rare: only on a hit)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None

    def compile(self, regex: prepared.Regex = re.compile) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = regex(self.source)
        return self._compiled

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        return self.compile().match(text, pos)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compile().search(text)


@dataclass(frozen=True)
class _Checked:
    """An entry filed by a trigger: matched where the trigger hit, then (near) "b ... a" anywhere."""
    group: str
    forward: _LazyPattern  # the entry, or "a ... b", from the trigger on
    backward: _LazyPattern | None  # "b ... a", looked for in the whole message (once)
    unless: _LazyPattern | None


class _At:
    """Everything that can start at a word with one key: one regex to find a hit, and what names
    or checks it - each group's plain entries, the guarded entries, the triggers, in lexicon order."""

    def __init__(self) -> None:
        self.subs: list[str] = []
        self.scan: re.Pattern[str] = re.compile("(?!)")  # set when the lexicon is compiled
        self.groups: list[tuple[str, _LazyPattern]] = []
        self.guarded: list[tuple[str, _LazyPattern, _LazyPattern]] = []  # (group, entry, unless)
        self.triggers: list[tuple[_LazyPattern, list[_Checked]]] = []


class _Lexicon:
    """The compiled lexicon: its entries filed by the first two characters (or the first letter)
    a match can start with, so that at each word only a few dozen alternatives are tried.

    Every entry matches whole words only, and the normalised text holds nothing but [a-z0-9] and
    single spaces: at each word, only what is filed under its first two characters and under its
    first letter can match there. Trying just those - instead of one alternation of all entries at
    every word - is what makes the lexicon fast, and ~250 small regexes compile twice as fast as one
    of 0.7 MB. The tests compare the result with every entry searched on its own.

    A hit of a plain entry (phrase, regex) is named by the first group, in lexicon order, matching
    there. Two kinds of entry are filed by a TRIGGER instead:
      * near entries [a, b, n], by their half `a`. Filing "a ... b | b ... a" by letter would copy b
        once for every letter a list like {meds} starts with (and a for every letter of b): 1 MB of
        regex, seconds to compile. So write the rarer half first;
      * regexes that start with a vocabulary list, '({meds}) ...': the list is tried once per word
        for all of them, instead of once per entry.
    Triggers are deduplicated. Where one hits, its entries are matched from there on (and "b ... a"
    is looked for once in the whole message); where none of them matches, the search goes on after
    it. Entries with `unless` are looked at again on a hit. What names or checks a hit is compiled
    the first time a hit needs it. Most messages hit nothing and cost one scan.
    """

    def __init__(self, data: dict[str, Any], regex: prepared.Regex = re.compile) -> None:
        vocabulary: dict[str, str] = data.get("vocabulary", {})
        self.at: dict[str, _At] = {}
        by_trigger: dict[str, list[_Checked]] = {}
        entries_of: list[tuple[str, list[_Entry]]] = []
        for group in data["group"]:
            name, entries = group["name"], _group_entries(group, vocabulary)
            entries_of.append((name, entries))
            plain: dict[str, list[str]] = {}
            for e in entries:
                try:
                    keyed = _keyed(_filed(e.trigger if e.trigger is not None else e.src))
                except ValueError as exc:
                    raise ValueError(f"crisis.toml group {name!r}: bad pattern {e.raw!r}: {exc}") from exc
                unless = None if e.unless is None else _LazyPattern(f"{_WORD_START}(?:{e.unless}){_TAIL}")
                if e.trigger is not None:
                    by_trigger.setdefault(e.trigger, []).append(_Checked(
                        name, _LazyPattern(f"(?:{e.forward or e.src}){_TAIL}"),
                        None if e.backward is None else _LazyPattern(f"{_WORD_START}(?:{e.backward}){_TAIL}"), unless))
                    continue
                for key, sub in keyed:
                    self.at.setdefault(key, _At()).subs.append(sub)
                    if unless is None:
                        plain.setdefault(key, []).append(sub)
                    else:
                        self.at[key].guarded.append((name, _LazyPattern(f"(?:{sub}){_TAIL}"), unless))
            for key, subs in plain.items():
                self.at[key].groups.append((name, _LazyPattern("(?:" + "|".join(subs) + ")" + _TAIL)))
        for trigger, checked in by_trigger.items():
            for key, sub in _keyed(_filed(trigger)):
                here = self.at.setdefault(key, _At())
                here.subs.append(sub)
                here.triggers.append((_LazyPattern(f"(?:{sub}){_TAIL}"), checked))
        if not self.at:
            raise ValueError("crisis.toml has no patterns")
        try:
            # Compiling is the slow part (most of a second for the whole lexicon): do it once, and
            # only look at single entries to name the culprit when a regex does not compile.
            for here in self.at.values():
                here.scan = regex("(?:" + "|".join(here.subs) + ")" + _TAIL)
                here.subs = []
                for _, _, unless in here.guarded:  # the checks are small; a broken one must fail the start
                    unless.compile(regex)
                for _, checked in here.triggers:
                    for c in checked:
                        for lazy in (c.forward, c.backward, c.unless):
                            if lazy is not None:
                                lazy.compile(regex)
            # the scans' match methods, by the first two characters of a word and by its first letter
            self.by_two = {key: here.scan.match for key, here in self.at.items() if len(key) == 2}
            self.by_letter = {key: here.scan.match for key, here in self.at.items() if len(key) == 1}
            if "#" in self.by_letter:  # a word starting with a digit is filed under "#"
                self.by_letter.update(dict.fromkeys("0123456789", self.by_letter["#"]))
        except re.error:
            for name, entries in entries_of:
                for e in entries:
                    try:
                        for src in (e.src, e.unless):
                            if src is not None:
                                re.compile(f"(?:{src}){_TAIL}")
                    except re.error as exc:
                        raise ValueError(f"crisis.toml group {name!r}: bad pattern {e.raw!r}: {exc}") from exc
            raise

    def _here(self, normalised: str, pos: int) -> tuple[_At | None, _At | None]:
        """What is filed under the first two characters, and under the first letter, of the word at pos."""
        two = normalised[pos:pos + 2] if pos + 1 < len(normalised) else normalised[pos] + " "
        return self.at.get(two), self.at.get(_key(normalised[pos]))

    def first(self, normalised: str, pos: int = 0) -> int | None:
        """Where the first hit of a plain entry or a trigger starts, at or after the word at pos."""
        by_two, by_letter, next_space = self.by_two.get, self.by_letter.get, normalised.find
        last = len(normalised) - 1
        while True:  # the hot loop of the whole check: kept plain
            scan = by_two(normalised[pos:pos + 2] if pos < last else normalised[pos] + " ")
            if scan is not None and scan(normalised, pos):
                return pos
            scan = by_letter(normalised[pos])
            if scan is not None and scan(normalised, pos):
                return pos
            pos = next_space(" ", pos) + 1  # the next word
            if pos == 0:
                return None

    def find(self, normalised: str) -> CrisisMatch | None:
        """The first entry matching the normalised text, or None."""
        pos, looked_at = 0, set()
        while (at := self.first(normalised, pos)) is not None:
            heres = [here for here in self._here(normalised, at) if here is not None]
            for here in heres:
                for name, pattern in here.groups:  # the first group, in lexicon order, matching here
                    hit = pattern.match(normalised, at)
                    if hit is not None:
                        return CrisisMatch(group=name, phrase=hit.group(0))
            for here in heres:
                for name, pattern, unless in here.guarded:
                    hit = pattern.match(normalised, at)
                    if hit is not None and not _voids(unless, normalised, hit):
                        return CrisisMatch(group=name, phrase=hit.group(0))
                for head, checked in here.triggers:
                    if head.match(normalised, at) is None:
                        continue
                    for c in checked:  # the trigger's entries from here on
                        hit = c.forward.match(normalised, at)
                        if hit is not None and (c.unless is None or not _voids(c.unless, normalised, hit)):
                            return CrisisMatch(group=c.group, phrase=hit.group(0))
                        if c.backward is not None and id(c) not in looked_at:
                            looked_at.add(id(c))  # "b ... a" anywhere: the same answer at every hit of a
                            for hit in c.backward.compile().finditer(normalised):
                                if c.unless is None or not _voids(c.unless, normalised, hit):
                                    return CrisisMatch(group=c.group, phrase=hit.group(0))
            pos = normalised.find(" ", at) + 1  # nothing that counts starts here: look from the next word on
            if pos == 0:
                return None
        return None


_UNLESS_REACH = 100  # characters (15-20 words) either side of a hit that its `unless` looks at


def _voids(unless: _LazyPattern, normalised: str, hit: re.Match[str]) -> bool:
    """Whether the words of an entry's `unless` are near its hit (in a long message, a dog or a job
    three sentences away says nothing about the sentence that hit)."""
    return unless.compile().search(normalised, max(0, hit.start() - _UNLESS_REACH),
                                   hit.end() + _UNLESS_REACH) is not None


def _compile_lexicon(data: dict[str, Any]) -> _Lexicon:
    """The lexicon of a crisis.toml's data, compiled (raises ValueError on a broken entry)."""
    return _Lexicon(data)


_LEXICON = _read_toml("crisis.toml")
_COMPILING = threading.Lock()


@lru_cache(maxsize=1)
def _compiled() -> _Lexicon:
    """The lexicon, compiled (or loaded prepared) on first use: its regexes are ~0.7 MB and take ~1 s to
    parse, which every CLI command would otherwise pay at import. `samtale run` warms it up in the
    background."""
    # A message checked during the warm-up misses this cache too: it waits for the warm-up's
    # lexicon instead of compiling a second one.
    with _COMPILING:
        return _compile_once()


@lru_cache(maxsize=1)
def _compile_once() -> _Lexicon:
    # Loaded from its prepared form on disk when there is one for this lexicon (a fraction of the
    # compile), else compiled and kept there for the next start: see prepared.py.
    return prepared.load_or_build(_LEXICON, _Lexicon, prepared.cache_dir())


def warm_up() -> None:
    """Compile the lexicon now (raises on a broken lexicon, so a start can fail loudly)."""
    _compiled()


def detect_crisis(text: str) -> CrisisMatch | None:
    """The first crisis phrase in the text, or None. Never raises; safe on any input."""
    if not text or not isinstance(text, str):
        return None
    try:
        normalised = normalise(text)
    except Exception:  # noqa: BLE001 - e.g. lone surrogates from a broken client: drop what cannot be read
        try:
            normalised = normalise(text.encode("utf-8", "ignore").decode("utf-8"))
        except Exception:  # noqa: BLE001 - a message must never break the safety check's caller
            return None
    if not normalised:
        return None
    return _compiled().find(normalised)
