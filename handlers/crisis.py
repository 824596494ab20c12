"""Crisis detection: match a message against the content-driven crisis lexicon, and the fixed crisis reply."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["CrisisMatch", "detect_crisis", "crisis_reply", "normalise"]


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


def _fold_regex(src: str) -> str:
    """Fold the letters of a lexicon regex like the text, leaving escapes (\\w, \\b) untouched."""
    s = unicodedata.normalize("NFKD", src).casefold().translate(_CHAR_FOLD)
    return "".join(_fold_letters(t) if t[0].isalpha() else t for t in _REGEX_TOKEN.findall(s))


# --- loading ------------------------------------------------------------------------------------

def _read_toml(name: str) -> dict[str, Any]:
    path = resources.files("content") / "safety" / name
    return tomllib.loads(path.read_text(encoding="utf-8"))


_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


class _Unknown(Exception):
    """The regex analysis gave up; the caller falls back to something slower but always right."""


def _analyse(src: str):
    from re import _constants as c, _parser as p  # CPython's own regex parser
    return c, p.parse(src)


def _first_chars(src: str) -> frozenset[str]:
    """Which characters a lexicon regex can start with (all of them when unsure)."""
    try:
        c, parsed = _analyse(src)

        def seq(items) -> tuple[set[str], bool]:
            acc: set[str] = set()
            for op, av in items:
                chars, nullable = one(op, av)
                acc |= chars
                if not nullable:
                    return acc, False
            return acc, True

        def one(op, av) -> tuple[set[str], bool]:
            if op is c.LITERAL:
                return {chr(av)}, False
            if op is c.IN:
                out: set[str] = set()
                for o, a in av:
                    if o is c.LITERAL:
                        out.add(chr(a))
                    elif o is c.RANGE:
                        out |= {chr(x) for x in range(a[0], a[1] + 1)}
                    else:
                        return set(_WORD_CHARS), False
                return out, False
            if op is c.SUBPATTERN:
                return seq(av[3])
            if op is c.BRANCH:
                chars, nullable = set(), False
                for branch in av[1]:
                    b_chars, b_null = seq(branch)
                    chars |= b_chars
                    nullable |= b_null
                return chars, nullable
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                chars, nullable = seq(av[2])
                return chars, nullable or av[0] == 0
            if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                return set(), True
            return set(_WORD_CHARS), True

        chars, nullable = seq(parsed)
        return _WORD_CHARS if nullable else frozenset(chars) & _WORD_CHARS
    except Exception:  # noqa: BLE001 - private API moved or odd regex: just be slower
        return _WORD_CHARS


def _first_words(src: str, limit: int = 256) -> frozenset[str] | None:
    """Every complete first word a lexicon regex can start with, or None when not a small finite set.

    '(jeg|vil) (tage|tog) livet' -> {'jeg', 'vil'}. Look-arounds are ignored, which can only add
    words, never lose one. A text none of whose words is in the set cannot match the regex.
    """
    try:
        c, parsed = _analyse(src)
    except Exception:  # noqa: BLE001
        return None

    def seq(items, opens: set[str]) -> tuple[set[str], set[str]]:
        done: set[str] = set()
        for op, av in items:
            if not opens:
                break
            opens, finished = one(op, av, opens)
            done |= finished
            if len(opens) + len(done) > limit:
                raise _Unknown
        return opens, done

    def one(op, av, opens: set[str]) -> tuple[set[str], set[str]]:
        if op is c.LITERAL:
            ch = chr(av)
            return (set(), set(opens)) if ch == " " else ({o + ch for o in opens}, set())
        if op is c.IN:
            chars = []
            for o, a in av:
                if o is c.LITERAL:
                    chars.append(chr(a))
                elif o is c.RANGE and a[1] - a[0] < 10:
                    chars += [chr(x) for x in range(a[0], a[1] + 1)]
                else:
                    raise _Unknown
            opens_out: set[str] = set()
            done: set[str] = set()
            for ch in chars:
                o2, d2 = one(c.LITERAL, ord(ch), opens)
                opens_out |= o2
                done |= d2
            return opens_out, done
        if op is c.SUBPATTERN:
            return seq(av[3], opens)
        if op is c.BRANCH:
            opens_out, done = set(), set()
            for branch in av[1]:
                o2, d2 = seq(branch, set(opens))
                opens_out |= o2
                done |= d2
            return opens_out, done
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[1] == 1 and av[0] in (0, 1):
            o2, d2 = seq(av[2], set(opens))
            return (o2 | opens if av[0] == 0 else o2), d2
        if op in (c.ASSERT, c.ASSERT_NOT):
            return opens, set()
        if op is c.AT:
            return set(), set(opens)  # end of text ends the word too
        raise _Unknown

    try:
        opens, done = seq(parsed, {""})
    except _Unknown:
        return None
    words = done | opens  # a pattern may end inside its first word
    if not words or "" in words or any(_NON_WORD.search(w) for w in words):
        return None
    return frozenset(words)


_TAIL = r"(?![a-z0-9])"
_STAR, _END = "*", ""


def _phrase_words(phrase: str) -> list[tuple[str, bool]]:
    """A plain lexicon phrase as normalised words; True where the word ends in * (any ending)."""
    words = []
    for token in phrase.split():
        core = normalise(token.rstrip("*"))
        if core:
            words.append((core, token.endswith("*")))
    if not words:
        raise ValueError(f"empty crisis phrase: {phrase!r}")
    return words


def _phrase_regex(phrase: str) -> str:
    return " ".join(re.escape(w) + ("[a-z0-9]*" if star else "") for w, star in _phrase_words(phrase))


def _trie_regex(phrases: list[str]) -> str:
    """All plain phrases as one character trie: the regex engine then skips them in a few steps."""
    root: dict = {}
    for phrase in phrases:
        node = root
        words = _phrase_words(phrase)
        for i, (word, star) in enumerate(words):
            for ch in word + (" " if i < len(words) - 1 else ""):
                node = node.setdefault(ch, {})
            if star:
                node = node.setdefault(_STAR, {})
        node[_END] = {}

    def emit(node: dict) -> str:
        alts = ["[a-z0-9]*" + emit(child) if key == _STAR else re.escape(key) + emit(child)
                for key, child in sorted(node.items()) if key != _END]
        if _END in node:
            alts.append("")  # a phrase may end here; tried last, so longer phrases win
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return emit(root) if root else ""


_Compiled = tuple[re.Pattern[str], dict[str, re.Pattern[str]], re.Pattern[str] | None,
                  dict[str, list[tuple[re.Pattern[str], str]]]]


def _whole_words(body: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(?:" + body + ")" + _TAIL)


def _compile_lexicon(data: dict[str, Any]) -> _Compiled:
    """The lexicon, compiled for speed; the search finds exactly what one plain alternation would.

    The normalised text holds nothing but [a-z0-9] and single spaces, so whole words are
    "(?<![a-z0-9]) ... (?![a-z0-9])". Plain phrases form one character trie (about a microsecond
    per text). Each regex is filed under the first words it can start with, and runs only when the
    text holds one of them; the few with an open-ended first word ("overdos\\w*") always run.
    Which group matched is worked out afterwards, at the match only, in lexicon order.
    """
    phrases: list[str] = []
    by_word: dict[str, list[str]] = {}
    always: list[str] = []
    namer: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    seen: set[str] = set()
    for group in data["group"]:
        name = group["name"]
        entries = [(p, _phrase_regex(p), True) for p in group.get("phrases", [])]
        entries += [(r, _fold_regex(r), False) for r in group.get("regexes", [])]
        for raw, src, is_phrase in entries:
            try:
                compiled = re.compile(f"(?:{src}){_TAIL}")
            except re.error as exc:
                raise ValueError(f"crisis.toml group {name!r}: bad pattern {raw!r}: {exc}") from exc
            if src in seen:
                continue
            seen.add(src)
            for ch in _first_chars(src):
                namer.setdefault(ch, []).append((compiled, name))
            if is_phrase:
                phrases.append(raw)
                continue
            words = _first_words(src)
            if words is None:
                always.append(src)
            else:
                for word in words:
                    by_word.setdefault(word, []).append(src)
    trie = _whole_words(_trie_regex(phrases)) if phrases else re.compile(r"(?!x)x")
    word_patterns = {word: _whole_words("|".join(srcs)) for word, srcs in by_word.items()}
    fallback = _whole_words("|".join(always)) if always else None
    return trie, word_patterns, fallback, namer


_LEXICON = _read_toml("crisis.toml")
_TRIE, _BY_WORD, _ALWAYS, _NAMER = _compile_lexicon(_LEXICON)
_FIRST_WORDS = frozenset(_BY_WORD)
_REPLY_DATA = _read_toml("crisis_reply.toml")
_REPLIES: dict[str, str] = {lang: text.strip() for lang, text in _REPLY_DATA["reply"].items()}
if "da" not in _REPLIES:
    raise ValueError("content/safety/crisis_reply.toml needs a Danish reply")


# --- public API -----------------------------------------------------------------------------------

def _search(normalised: str) -> re.Match[str] | None:
    """The leftmost lexicon match in a normalised text."""
    best = _TRIE.search(normalised)
    patterns = [_BY_WORD[w] for w in _FIRST_WORDS.intersection(normalised.split(" "))]
    if _ALWAYS is not None:
        patterns.append(_ALWAYS)
    for pattern in patterns:
        m = pattern.search(normalised)  # never with an end position: that would change what $ sees
        if m is not None and (best is None or m.start() < best.start()):
            best = m
    return best


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
    m = _search(normalised)
    if m is None:
        return None
    # Name the hit: every alternative in lexicon order, tried only where the match starts.
    for alt, name in _NAMER.get(normalised[m.start()], ()):
        hit = alt.match(normalised, m.start())
        if hit:
            return CrisisMatch(group=name, phrase=hit.group(0))
    return CrisisMatch(group="unknown", phrase=m.group(0))  # unreachable: the search used these


def crisis_reply(lang: str) -> str:
    """The fixed, human-written crisis reply in the person's language; Danish when unknown."""
    if isinstance(lang, str) and lang:
        base = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if base in _REPLIES:
            return _REPLIES[base]
    return _REPLIES["da"]
