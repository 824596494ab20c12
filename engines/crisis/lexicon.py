"""The crisis lexicon: content/safety/*.toml read, and each entry of a group turned into regexes."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from engines.crisis.filing import _skip, _top_level
from engines.crisis.folding import _fold_regex, normalise


def _read_toml(name: str) -> dict[str, Any]:
    path = resources.files("content") / "safety" / name
    return tomllib.loads(path.read_text(encoding="utf-8"))


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
