"""Crisis detection: match a message against the content-driven crisis lexicon, and the fixed crisis reply."""
from __future__ import annotations

import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["CrisisMatch", "detect_crisis", "crisis_reply", "normalise", "warm_up"]


@dataclass(frozen=True)
class CrisisMatch:
    group: str  # lexicon group, e.g. "suicide", "means", "farewell"
    phrase: str  # the matched words, in normalised form (lower case, æøå folded)


# --- normalisation ------------------------------------------------------------------------------
# The text and the lexicon are folded the same way, so one lexicon entry covers "gøre", "goere",
# "gore", "GØRE" and "gøøøre". See the header of content/safety/crisis.toml.

_CHAR_FOLD: dict[int, str | None] = {ord("æ"): "a", ord("ø"): "o", ord("å"): "a", ord("œ"): "o",
                                     ord("ð"): "d", ord("þ"): "th", ord("ł"): "l", ord("đ"): "d"}
for _c in "'’‘ʼ`´′":
    _CHAR_FOLD[ord(_c)] = None  # "don't" -> "dont", "I'm" -> "im"
for _cp in range(0x0300, 0x0370):
    _CHAR_FOLD[_cp] = None  # combining accents left over after NFKD: é -> e, å -> a (also via table)

_NON_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLES = [ch + ch for ch in "abcdefghijklmnopqrstuvwxyz"]
# the characters _CHAR_FOLD changes, found in one pass (most texts have none or a few æøå)
_FOLDED = re.compile("[" + "".join(re.escape(chr(cp)) for cp in _CHAR_FOLD if not 0x0300 <= cp < 0x0370) + "\u0300-\u036f]")
_FOLD_TO = {chr(cp): to or "" for cp, to in _CHAR_FOLD.items()}


def _squeeze(s: str) -> str:
    """Runs of one lower-case letter -> one letter ("selvmoooord" -> "selvmord")."""
    for double in _DOUBLES:
        while double in s:
            s = s.replace(double, double[0])
    return s


def _fold_letters(s: str) -> str:
    """Fold runs of lower-case letters: doubled letters -> one, then typed digraphs ae/oe -> a/o."""
    s = _squeeze(s)
    if "ae" in s or "oe" in s:
        s = _squeeze(s.replace("ae", "a").replace("oe", "o"))
    return s


def normalise(text: str) -> str:
    """The matching form of a text: 'Jeg vil IKKE være her mere!!' -> 'jeg vil ike vare her mere'."""
    s = unicodedata.normalize("NFKD", text).casefold()
    if not s.isascii() or "'" in s or "`" in s:
        s = _FOLDED.sub(lambda m: _FOLD_TO[m.group()], s)  # = s.translate(_CHAR_FOLD), faster
    s = _NON_WORD.sub(" ", s).strip()
    return _fold_letters(s)


_REGEX_TOKEN = re.compile(r"\\.|[a-z]+|.", re.S)
_CAPTURING = re.compile(r"(?<!\\)\((?!\?)")


def _fold_regex(src: str) -> str:
    """Fold the letters of a lexicon regex like the text, leaving escapes (\\w, \\b) untouched.

    Its groups become non-capturing: "(a|b)" -> "(?:a|b)". Capturing groups are of no use here
    and make the regex engine about four times slower on the whole lexicon.
    """
    s = unicodedata.normalize("NFKD", src).casefold().translate(_CHAR_FOLD)
    s = "".join(_fold_letters(t) if t[0].isalpha() else t for t in _REGEX_TOKEN.findall(s))
    return _CAPTURING.sub("(?:", s)


def _whole_word_exceptions(src: str) -> str:
    """Make every negative look-ahead end at a word's end: "dø(?! (af|med))" no longer voids "dø medmindre".

    Exceptions are written as words ("af" for "dø af grin"), but a regex matches prefixes: "af" voided
    "ende det i aften" and "med" voided "vil dø medmindre ...". Where a prefix is meant the lexicon says
    so ("ferie\\w*"), which the added check does not change; an exception that ends in a space
    ("in (a|the) ") already says what may follow, and keeps meaning that.
    """
    out, i = [], 0
    while i < len(src):
        if src.startswith("(?!", i):
            end = _skip(src, i)
            inner = _whole_word_exceptions(src[i + 3:end - 1])
            # Ends at a word's end - or after a space, where the exception said what may follow.
            out.append(f"(?!(?:{inner})(?:(?<= )|(?![a-z0-9])))")
            i = end
        elif src[i] in "\\[":
            end = _skip(src, i)
            out.append(src[i:end])
            i = end
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


# --- loading ------------------------------------------------------------------------------------

def _read_toml(name: str) -> dict[str, Any]:
    path = resources.files("content") / "safety" / name
    return tomllib.loads(path.read_text(encoding="utf-8"))


_WORD_START = r"(?<![a-z0-9])"
_TAIL = r"(?![a-z0-9])"


def _phrase_regex(phrase: str) -> str:
    """A plain lexicon phrase as a regex over the normalised text; a trailing * allows any ending."""
    words = []
    for token in phrase.split():
        core = normalise(token.rstrip("*"))
        if core:
            words.append(re.escape(core) + ("[a-z0-9]*" if token.endswith("*") else ""))
    if not words:
        raise ValueError(f"empty crisis phrase: {phrase!r}")
    return " ".join(words)


_VOCABULARY_REF = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _expand(src: str, vocabulary: dict[str, str], depth: int = 0) -> str:
    """Replace {name} in a lexicon regex by the [vocabulary] entry of that name, as a group.

    A vocabulary entry may itself name others ({place} = {place_da}|{place_en}|...), a few levels deep.
    """
    if depth > 4:
        raise ValueError(f"crisis.toml: vocabulary nested too deep (a cycle?) in {src!r}")

    def one(m: re.Match[str]) -> str:
        if m.group(1) not in vocabulary:
            raise ValueError(f"crisis.toml: unknown vocabulary {{{m.group(1)}}} in {src!r}")
        return "(?:" + _expand(vocabulary[m.group(1)], vocabulary, depth + 1) + ")"
    return _VOCABULARY_REF.sub(one, src)


_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"  # sorted, as _first_letters returns them


def _skip(src: str, i: int) -> int:
    """The index just after the escape, character class or group starting at src[i]."""
    if src[i] == "\\":
        return i + 2
    if src[i] == "[":  # a class may start with ^ and a literal ], and hold escapes
        j = i + 1 + (src[i + 1:i + 2] == "^")
        j += src[j:j + 1] == "]"
        while src[j] != "]":
            j += 2 if src[j] == "\\" else 1
        return j + 1
    if src[i] == "(":
        depth, j = 0, i
        while (m := _GROUPING.search(src, j)) is not None:  # jump to the next \\, [, ( or )
            j = m.start()
            if src[j] in "\\[":
                j = _skip(src, j)
                continue
            depth += 1 if src[j] == "(" else -1
            j += 1
            if depth == 0:
                return j
        raise ValueError(f"unbalanced regex: {src!r}")
    return i + 1


_GROUPING = re.compile(r"[\\\[()]")


def _top_level(src: str) -> list[str]:
    """The alternatives of a regex at its top level: "a|(b|c)d" -> ["a", "(b|c)d"]."""
    parts, i, start = [], 0, 0
    while (m := _ALTERNATING.search(src, i)) is not None:  # jump to the next |, \\, [ or (
        i = m.start()
        if src[i] == "|":
            parts.append(src[start:i])
            start = i = i + 1
        else:
            i = _skip(src, i)
    parts.append(src[start:])
    return parts


_ALTERNATING = re.compile(r"[|\\\[(]")


def _by_letter(src: str) -> dict[str, str]:
    """A lexicon regex (folded, non-capturing) filed by the letter a match can start with.

    {letter: the part of src that can match there}. A leading (?:a|b|...) group - a vocabulary
    list such as {meds} - is split too, so that a word starting with "p" tries only "piller",
    "panodil", ... and not the whole list. Understands only the plain syntax the lexicon starts
    its entries with - a letter, a [class], a (?:a|b) group, after any look-behinds or ^; for
    anything else ("\\w", an optional first part) it files the part under every letter, which
    costs speed, never a match. The tests compare the filed search with every entry on its own.
    """
    filed: dict[str, list[str]] = {}
    for part in _top_level(src):
        i = 0
        while part.startswith(("(?<", "^"), i):  # look-behinds and ^ consume nothing
            i = _skip(part, i)
        end = _skip(part, i) if i < len(part) else i
        head = part[i:end]
        if end == i or part[end:end + 1] in ("?", "*", "{"):
            split = dict.fromkeys(_ALNUM, part)  # empty or optional first item
        elif head.startswith("(?:") and part[end:end + 1] == "+":  # repeated: file it whole
            split = dict.fromkeys(_by_letter(head[3:-1]), part)
        elif head.startswith("(?:"):
            split = {ch: f"{part[:i]}(?:{inner}){part[end:]}" for ch, inner in _by_letter(head[3:-1]).items()}
        elif head in _ALNUM or head.startswith("["):
            split = {ch: part for ch in _ALNUM if re.fullmatch(head, ch)}
        else:
            split = dict.fromkeys(_ALNUM, part)  # \w, (?=...), ...: could start anywhere
        for ch, sub in split.items():
            filed.setdefault(ch, []).append(sub)
    return {ch: "|".join(subs) for ch, subs in filed.items()}


def _filed(src: str) -> dict[str, str]:
    """_by_letter, with the digits as one key "#": words rarely start with one, so a list like
    "[2-9]|to|tre" is filed once, whole, under "#" instead of once per digit."""
    parts = _by_letter(src)
    if any(ch.isdigit() for ch in parts):
        parts = {ch: sub for ch, sub in parts.items() if not ch.isdigit()}
        parts["#"] = src
    return parts


def _key(letter: str) -> str:
    """The _filed key of a word's first letter."""
    return "#" if letter.isdigit() else letter


def _first_letters(src: str) -> str:
    """The letters a lexicon regex can start with (all of them when unsure)."""
    return "".join(sorted(_by_letter(src)))


def _near(a: str, b: str, words: int) -> str:
    """A regex for "a ... b" or "b ... a", at most `words` words apart (about one sentence)."""
    return f"{_near_forward(a, b, words)}|{_near_forward(b, a, words)}"


def _near_forward(a: str, b: str, words: int) -> str:
    """A regex for "a ... b" only."""
    return f"(?:{a})(?: [a-z0-9]+){{0,{words}}} (?:{b})"


@dataclass(frozen=True)
class _Entry:
    raw: str  # as written in crisis.toml
    src: str  # the whole entry as a regex over the normalised text
    unless: str | None = None  # void when this is found anywhere in the message
    trigger: str | None = None  # entries filed by a trigger (see _Lexicon): what every match, or "a ... b", starts with
    forward: str | None = None  # near entries: "a ... b", the match that starts with the trigger a
    backward: str | None = None  # near entries: "b ... a", the match that does not


# An entry written as '({meds}) ...' or '({tools}|{meds})...': every match starts with that list.
_LEADING_LISTS = re.compile(r"^\(?(\{[a-z_][a-z0-9_]*\}(?:\|\{[a-z_][a-z0-9_]*\})*)\)?(?=[ (]|$)")


def _group_entries(group: dict[str, Any], vocabulary: dict[str, str]) -> list[_Entry]:
    """Each phrase, regex and near entry of a group, as regexes over the normalised text.

    A regex entry is a string or [regex, unless]; a near entry is [a, b, n] or [a, b, n, unless].
    `unless` is a regex over the whole normalised message (whole words): when it is found anywhere,
    the entry does not count - "vinterbad" voids "gå ud i havet", "allergi" voids "gave my cat away".
    """
    def regex(src: str) -> str:
        return _whole_word_exceptions(_fold_regex(_expand(src, vocabulary)))
    entries = [_Entry(p, _phrase_regex(p)) for p in group.get("phrases", [])]
    for item in group.get("regexes", []):
        if not isinstance(item, str) and len(item) != 2:
            raise ValueError(f"crisis.toml group {group['name']!r}: a regex entry is 'regex' or ['regex', 'unless'], "
                             f"not {item!r:.80}")
        r, unless = (item, None) if isinstance(item, str) else tuple(item)
        leading = _LEADING_LISTS.match(r)
        try:
            leading = leading if leading is not None and len(_top_level(r)) == 1 else None
        except ValueError:  # unbalanced: reported as a bad pattern below
            leading = None
        entries.append(_Entry(r if unless is None else f"{r} unless {unless}", regex(r),
                              None if unless is None else regex(unless),
                              None if leading is None else regex(leading.group(1))))
    for item in group.get("near", []):
        if len(item) not in (3, 4):
            raise ValueError(f"crisis.toml group {group['name']!r}: a near entry is [a, b, n] or [a, b, n, unless], "
                             f"not {item!r:.80}")
        a, b, words, *rest = item
        unless = rest[0] if rest else None
        raw = f"{a} ~{words}~ {b}" + ("" if unless is None else f" unless {unless}")
        ra, rb = regex(a), regex(b)
        entries.append(_Entry(raw, _near(ra, rb, int(words)), None if unless is None else regex(unless),
                              ra, _near_forward(ra, rb, int(words)), _near_forward(rb, ra, int(words))))
    return entries


_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 ")
_MAX_COPIED = 1000  # characters a split by the second letter may copy (the part after a leading list)


def _two(src: str) -> str | None:
    """The two literal characters every match of src starts with ("jeg ..." -> "je"), or None."""
    if len(src) >= 2 and src[0] in _LITERAL and src[1] in _LITERAL and src[2:3] not in ("?", "*", "+", "{"):
        return src[:2]
    return None


def _by_two(src: str) -> dict[str, str] | None:
    """A regex filed by the first TWO characters a match can start with, or None when that is not
    plain: each top-level alternative must start with two literal characters, or with a group of
    alternatives that each do ("(?:piller|pamol)\\w*" -> {"pi": "(?:piller)\\w*", "pa": ...})."""
    filed: dict[str, str] = {}
    for part in _top_level(src):
        i = 0
        while part.startswith(("(?<", "^"), i):  # look-behinds and ^ consume nothing
            i = _skip(part, i)
        before, body = part[:i], part[i:]
        two = _two(body)
        if two is not None:
            split = {two: part}
        elif body.startswith("(?:") and body[_skip(body, 0):_skip(body, 0) + 1] not in ("?", "*", "+", "{"):
            end = _skip(body, 0)
            rest, alternatives = body[end:], {}
            for alternative in _top_level(body[3:end - 1]):
                two = _two(alternative)
                if two is None:
                    return None
                alternatives.setdefault(two, []).append(alternative)
            if len(rest) * (len(alternatives) - 1) > _MAX_COPIED:
                return None
            split = {two: before + "(?:" + "|".join(alts) + ")" + rest for two, alts in alternatives.items()}
        else:
            return None
        for two, sub in split.items():
            filed[two] = filed[two] + "|" + sub if two in filed else sub
    return filed


class _LazyPattern:
    """A pattern compiled the first time it is needed (rare: only on a hit)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None

    def compile(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source)
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


def _keyed(parts: dict[str, str]) -> list[tuple[str, str]]:
    """(key, sub) for a regex filed by _filed: under its first two characters where _by_two can
    split it ("je", "i "), else under its first letter ("j", "#" for any digit)."""
    keyed: list[tuple[str, str]] = []
    for ch, sub in parts.items():
        two = _by_two(sub) if ch != "#" else None
        keyed.extend(two.items() if two is not None else [(ch, sub)])
    return keyed


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

    def __init__(self, data: dict[str, Any]) -> None:
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
                here.scan = re.compile("(?:" + "|".join(here.subs) + ")" + _TAIL)
                here.subs = []
                for _, _, unless in here.guarded:  # the checks are small; a broken one must fail the start
                    unless.compile()
                for _, checked in here.triggers:
                    for c in checked:
                        for lazy in (c.forward, c.backward, c.unless):
                            if lazy is not None:
                                lazy.compile()
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
_COMPILED: _Lexicon | None = None
_COMPILING = threading.Lock()


def _compiled() -> _Lexicon:
    """The lexicon, compiled on first use: its regexes are ~0.7 MB and take ~1 s to parse, which
    every CLI command would otherwise pay at import. `samtale run` warms it up in the background."""
    global _COMPILED
    if _COMPILED is None:
        with _COMPILING:
            if _COMPILED is None:
                _COMPILED = _compile_lexicon(_LEXICON)
    return _COMPILED


def warm_up() -> None:
    """Compile the lexicon now (raises on a broken lexicon, so a start can fail loudly)."""
    _compiled()

_REPLY_DATA = _read_toml("crisis_reply.toml")
_REPLIES: dict[str, str] = {lang: text.strip() for lang, text in _REPLY_DATA["reply"].items()}
if "da" not in _REPLIES:
    raise ValueError("content/safety/crisis_reply.toml needs a Danish reply")


# --- public API -----------------------------------------------------------------------------------

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


def crisis_reply(lang: str) -> str:
    """The fixed, human-written crisis reply in the person's language; Danish when unknown."""
    if isinstance(lang, str) and lang:
        base = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if base in _REPLIES:
            return _REPLIES[base]
    return _REPLIES["da"]
