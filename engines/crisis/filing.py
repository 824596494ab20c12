"""Lexicon regexes filed by the characters a match can start with, so a word tries only its own few."""
from __future__ import annotations

import re

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


def _keyed(parts: dict[str, str]) -> list[tuple[str, str]]:
    """(key, sub) for a regex filed by _filed: under its first two characters where _by_two can
    split it ("je", "i "), else under its first letter ("j", "#" for any digit)."""
    keyed: list[tuple[str, str]] = []
    for ch, sub in parts.items():
        two = _by_two(sub) if ch != "#" else None
        keyed.extend(two.items() if two is not None else [(ch, sub)])
    return keyed
