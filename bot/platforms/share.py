"""Sharing an event from its card (Reply.share), alike for every adapter: the reader's language and words."""
from __future__ import annotations

from functools import lru_cache

from content.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog, normalise_language, t
from handlers.types import Reply


@lru_cache(maxsize=1)
def _own_strings() -> dict[str, frozenset[str]]:
    # Only strings no other language has: finding one names the language it was written in.
    every = {lang: frozenset(catalog(lang).values()) for lang in LANGUAGES}
    return {lang: own.difference(*(v for other, v in every.items() if other != lang)) for lang, own in every.items()}


def language_of(reply: Reply, hint: str | None = None) -> str:
    """The language the core wrote reply in, for the adapter's own words beside it.

    A Reply carries no language, but a card always has the core's localized buttons (Sign up, Leave…),
    and the reader's chosen language can differ from the platform's hint; the hint, then Danish, only
    when no button tells.
    """
    own = _own_strings()
    for button in (b for row in reply.buttons for b in row):
        for lang, strings in own.items():
            if button.label in strings:
                return lang
    return normalise_language(hint) or DEFAULT_LANGUAGE


def title_of(reply: Reply, lang: str) -> str | None:
    """The event's title, when reply is a card (its first line is the title mark and the title)."""
    first = reply.text.split("\n", 1)[0]
    mark = t(lang, "events.card.title_mark") + " "
    return first[len(mark):].strip() or None if first.startswith(mark) else None


def suggested_text(reply: Reply, lang: str) -> str:
    """What a share dialog proposes to send along with the link (the person can change it)."""
    title = title_of(reply, lang)
    return t(lang, "events.share.text", title=title) if title else t(lang, "events.share.text_untitled")


def share_line(reply: Reply, lang: str, key: str = "events.share.line") -> str:
    """Where there is no share dialog: a line saying what to type to open the event."""
    return t(lang, key, payload=reply.share)
