"""Typed short answers and non-reflection questions, read from content/phrases.toml."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib.resources import files

# Letters, digits, apostrophes and spaces survive; punctuation and emoji go.
_DROP = re.compile(r"[^\w' ]+")


def normalise(text: str) -> str:
    """'Hej!! Hvem er du? 🙂' → 'hej hvem er du'."""
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    text = _DROP.sub(" ", text.replace("_", " "))
    return " ".join(text.split())


@lru_cache(maxsize=1)
def phrases() -> dict:
    with (files("content") / "phrases.toml").open("rb") as fh:
        data = tomllib.load(fh)
    for key in ("greetings", "politeness", "yes", "no", "consent_question"):
        if not isinstance(data.get(key), list):
            raise ValueError(f"content/phrases.toml: {key} must be a list")
    return data


@lru_cache(maxsize=1)
def _affixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Greetings and politeness words, longest first; sorted once, not on every message."""
    data = phrases()
    return (tuple(sorted(data["greetings"], key=len, reverse=True)),
            tuple(sorted(data["politeness"], key=len, reverse=True)))


def _core(text: str) -> str:
    """The message without a leading greeting or a trailing 'tak'/'please'."""
    said = normalise(text)
    greetings, politeness = _affixes()
    for greeting in greetings:
        if said.startswith(greeting + " "):
            said = said[len(greeting) + 1:]
            break
    for polite in politeness:
        if said.endswith(" " + polite):
            said = said[: -len(polite) - 1]
            break
    return said


@lru_cache(maxsize=64)
def _normalised(kind: str) -> frozenset[str]:
    """The phrases of kind, normalised once: every free-text message is checked against several kinds."""
    table = phrases()
    for part in kind.split("."):
        table = table.get(part, {}) if isinstance(table, dict) else {}
    return frozenset(normalise(p) for p in table) if isinstance(table, list) else frozenset()


def is_phrase(kind: str, text: str) -> bool:
    """Does text say exactly one of the phrases of kind ("yes", "no", "consent_question", "intent.help", …)?"""
    phrases_of = _normalised(kind)
    return bool(phrases_of) and _core(text) in phrases_of


def _first_of(group: str, text: str) -> str | None:
    """The first name in group whose phrases text says; the message is normalised once for all of them."""
    names = phrases()[group]
    said = _core(text)
    return next((name for name in names if said in _normalised(f"{group}.{name}")), None)


def intent_of(text: str) -> str | None:
    """'help', 'who', 'human' or 'stop' when the whole message asks that; None for anything else."""
    if len(text) > 80:
        return None
    return _first_of("intent", text)


def language_asked(text: str) -> str | None:
    """'en' for "english please", 'da' for "dansk"; None otherwise."""
    return _first_of("language", text)


# "nej, jeg er 14" answers "15–17 – passer det?": a correction, read as the age it gives.
_AGE = re.compile(r"(?:(?:nej|no|nope|ja|yes) )?(?:jeg er |i am |i'm |im |age |alder )?(\d{1,3})(?: år| aar| years| year| yo)?(?: gammel| old)?")


def typed_age(text: str) -> int | None:
    """'78', 'jeg er 14 🙈', 'nej, jeg er 14', "I'm 24" → the age; anything else → None."""
    if len(text) > 40:
        return None
    found = _AGE.fullmatch(_core(text))
    return int(found.group(1)) if found else None
