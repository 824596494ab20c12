"""The matching form of a text and of a lexicon regex: lower case, æøå folded, doubled letters one."""
from __future__ import annotations

import re
import unicodedata

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
