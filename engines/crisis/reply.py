"""The fixed, human-written crisis reply (content/safety/crisis_reply.toml), in the reader's language."""
from __future__ import annotations

from engines.crisis.lexicon import _read_toml

_REPLY_DATA = _read_toml("crisis_reply.toml")
_REPLIES: dict[str, str] = {lang: text.strip() for lang, text in _REPLY_DATA["reply"].items()}
if "da" not in _REPLIES:
    raise ValueError("content/safety/crisis_reply.toml needs a Danish reply")


def crisis_reply(lang: str) -> str:
    """The fixed, human-written crisis reply in the person's language; Danish when unknown."""
    if isinstance(lang, str) and lang:
        base = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if base in _REPLIES:
            return _REPLIES[base]
    return _REPLIES["da"]
