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
_REPEAT = re.compile(r"([a-z])\1+")


def _fold_letters(s: str) -> str:
    """Fold runs of lower-case letters: doubled letters -> one, then typed digraphs ae/oe -> a/o."""
    s = _REPEAT.sub(r"\1", s)
    if "ae" in s or "oe" in s:
        s = _REPEAT.sub(r"\1", s.replace("ae", "a").replace("oe", "o"))
    return s


def normalise(text: str) -> str:
    """The matching form of a text: 'Jeg vil IKKE være her mere!!' -> 'jeg vil ike vare her mere'."""
    s = unicodedata.normalize("NFKD", text).casefold().translate(_CHAR_FOLD)
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


# --- loading ------------------------------------------------------------------------------------

def _read_toml(name: str) -> dict[str, Any]:
    path = resources.files("content") / "safety" / name
    return tomllib.loads(path.read_text(encoding="utf-8"))


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


def _expand(src: str, vocabulary: dict[str, str]) -> str:
    """Replace {name} in a lexicon regex by the [vocabulary] entry of that name, as a group."""
    def one(m: re.Match[str]) -> str:
        if m.group(1) not in vocabulary:
            raise ValueError(f"crisis.toml: unknown vocabulary {{{m.group(1)}}} in {src!r}")
        return "(?:" + vocabulary[m.group(1)] + ")"
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
        while j < len(src):
            if src[j] in "\\[":
                j = _skip(src, j)
                continue
            depth += {"(": 1, ")": -1}.get(src[j], 0)
            j += 1
            if depth == 0:
                return j
        raise ValueError(f"unbalanced regex: {src!r}")
    return i + 1


def _by_letter(src: str) -> dict[str, str]:
    """A lexicon regex (folded, non-capturing) filed by the letter a match can start with.

    {letter: the part of src that can match there}. A leading (?:a|b|...) group - a vocabulary
    list such as {meds} - is split too, so that a word starting with "p" tries only "piller",
    "panodil", ... and not the whole list. Understands only the plain syntax the lexicon starts
    its entries with - a letter, a [class], a (?:a|b) group, after any look-behinds or ^; for
    anything else ("\\w", an optional first part) it files the part under every letter, which
    costs speed, never a match. The tests compare the filed search with the plain alternation.
    """
    parts, i, start = [], 0, 0
    while i < len(src):  # split at top-level |
        if src[i] == "|":
            parts.append(src[start:i])
            start = i + 1
        i = _skip(src, i)
    parts.append(src[start:])
    filed: dict[str, list[str]] = {}
    for part in parts:
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


def _first_letters(src: str) -> str:
    """The letters a lexicon regex can start with (all of them when unsure)."""
    return "".join(sorted(_by_letter(src)))


def _near(a: str, b: str, words: int) -> str:
    """A regex for "a ... b" or "b ... a", at most `words` words apart (about one sentence)."""
    gap = f"(?: [a-z0-9]+){{0,{words}}} "
    return f"(?:{a}){gap}(?:{b})|(?:{b}){gap}(?:{a})"


def _group_sources(group: dict[str, Any], vocabulary: dict[str, str]) -> list[tuple[str, str]]:
    """(as written, as a regex over the normalised text) for each phrase, regex and near entry of a group."""
    def regex(src: str) -> str:
        return _fold_regex(_expand(src, vocabulary))
    entries = [(p, _phrase_regex(p)) for p in group.get("phrases", [])]
    entries += [(r, regex(r)) for r in group.get("regexes", [])]
    for item in group.get("near", []):
        a, b, words = item
        entries.append((f"{a} ~{words}~ {b}", _near(regex(a), regex(b), int(words))))
    return entries


def _compile_lexicon(data: dict[str, Any]) -> tuple[re.Pattern[str], list[tuple[str, _LazyPattern]]]:
    """The whole lexicon as ONE precompiled alternation of whole-word patterns, and one per group.

    The normalised text holds nothing but [a-z0-9] and single spaces, so "whole words" is
    "(?<![a-z0-9]) ... (?![a-z0-9])". The alternatives are filed under a look-ahead for the letter
    they start with, "(?=a)(?:...)|(?=b)(?:...)", so that at each word the regex engine tries only
    the few dozen that can start there instead of all of them (3x faster; the same matches - the
    tests compare it with the unfiled alternation). The per-group patterns name a match afterwards.
    """
    vocabulary: dict[str, str] = data.get("vocabulary", {})
    by_letter: dict[str, list[str]] = {}
    sources: list[tuple[str, list[tuple[str, str]]]] = []
    for group in data["group"]:
        entries = _group_sources(group, vocabulary)
        for raw, src in entries:
            try:
                filed_parts = _by_letter(src)
            except ValueError as exc:
                raise ValueError(f"crisis.toml group {group['name']!r}: bad pattern {raw!r}: {exc}") from exc
            for ch, sub in filed_parts.items():
                by_letter.setdefault(ch, []).append(sub)
        if entries:
            sources.append((group["name"], entries))
    if not by_letter:
        raise ValueError("crisis.toml has no patterns")
    filed = "|".join(f"(?={ch})(?:" + "|".join(srcs) + ")" for ch, srcs in sorted(by_letter.items()))
    try:
        # Compiling is the slow part (about a second for the whole lexicon): do it once, and only
        # look at single entries to name the culprit when the whole does not compile.
        whole = re.compile(r"(?<![a-z0-9])(?:" + filed + ")" + _TAIL)
    except re.error:
        for name, entries in sources:
            for raw, src in entries:
                try:
                    re.compile(f"(?:{src}){_TAIL}")
                except re.error as exc:
                    raise ValueError(f"crisis.toml group {name!r}: bad pattern {raw!r}: {exc}") from exc
        raise
    groups = [(name, _LazyPattern("(?:" + "|".join(src for _, src in entries) + ")" + _TAIL))
              for name, entries in sources]
    return whole, groups


class _LazyPattern:
    """A per-group pattern, compiled the first time a match needs naming (rare: only on a hit)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        if self._compiled is None:
            self._compiled = re.compile(self.source)
        return self._compiled.match(text, pos)


_LEXICON = _read_toml("crisis.toml")
_COMPILED: tuple[re.Pattern[str], list[tuple[str, _LazyPattern]]] | None = None
_COMPILING = threading.Lock()


def _compiled() -> tuple[re.Pattern[str], list[tuple[str, _LazyPattern]]]:
    """The lexicon, compiled on first use: its regex is ~0.5 MB and takes ~1.5 s to parse, which
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
    whole, groups = _compiled()
    m = whole.search(normalised)
    if m is None:
        return None
    for name, pattern in groups:  # name the hit: the first group, in lexicon order, matching there
        hit = pattern.match(normalised, m.start())
        if hit is not None:
            return CrisisMatch(group=name, phrase=hit.group(0))
    return CrisisMatch(group="unknown", phrase=m.group(0))  # unreachable: the groups hold every entry


def crisis_reply(lang: str) -> str:
    """The fixed, human-written crisis reply in the person's language; Danish when unknown."""
    if isinstance(lang, str) and lang:
        base = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if base in _REPLIES:
            return _REPLIES[base]
    return _REPLIES["da"]
