"""Localized strings from content/locales/<lang>.toml, and dates shown in the reader's language."""
from __future__ import annotations

import string
import tomllib
from datetime import datetime
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
# The one time zone of the program: what people see, when campaigns and reminders fire, which day a
# digest counts a reflection in.
TZ = ZoneInfo("Europe/Copenhagen")


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        elif isinstance(value, str):
            out[full] = value
        else:
            raise ValueError(f"locale key {full} must be a string, not {type(value).__name__}")


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """All strings of one language: every file in content/locales/<lang>/, one per feature."""
    out: dict[str, str] = {}
    folder = files("content") / "locales" / lang
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".toml"):
            continue
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        flat: dict[str, str] = {}
        _flatten("", data, flat)
        clash = set(flat) & set(out)
        if clash:
            raise ValueError(f"locales/{lang}/{path.name} repeats keys {sorted(clash)}")
        out.update(flat)
    return out


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def normalise_language(code: str | None) -> str | None:
    """'en-GB', 'EN', 'en_US' → 'en'; anything we have no strings for → None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base in ("nb", "nn", "no"):
        # Norwegian readers understand Danish far better than English.
        return "da"
    return base if base in LANGUAGES else None


def t(lang: str, key: str, **values: object) -> str:
    """The string for key in lang (Danish if missing), with {placeholders} filled."""
    template = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return template.format(**values) if values else template


def format_number(value: int, lang: str) -> str:
    """A count as a reader of lang writes it: 6.000 in Danish, 6,000 in English."""
    return format_decimal(value, locale=lang)


def format_when(moment: datetime, lang: str) -> str:
    """A time in Copenhagen, written the way a reader of lang expects (no seconds)."""
    local = moment.astimezone(TZ)
    return f"{format_date(local, 'medium', locale=lang)} {format_time(local, 'short', locale=lang)}"
