"""Discord's own words (command names, the offer to continue in a DM), from content/locales/<lang>/discord.toml."""
from __future__ import annotations

from content.i18n import DEFAULT_LANGUAGE, catalog


def text(lang: str, key: str, default: str | None = None, **values: object) -> str:
    """The string for key in lang, else Danish, else `default` (a command with no translated name)."""
    template = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or default
    if template is None:
        raise KeyError(key)
    return template.format(**values) if values else template


def command_name(lang: str, name: str) -> str:
    """What the command is called in lang (Discord: lowercase, no spaces, at most 32 characters)."""
    return text(lang, f"discord.names.{name}", default=name)
