"""The fixed, human-written crisis reply (content/safety/crisis_reply.toml), in the reader's language."""
from __future__ import annotations

from engines.crisis.lexicon import _read_toml

_REPLY_DATA = _read_toml("crisis_reply.toml")
_REPLIES: dict[str, str] = {lang: text.strip() for lang, text in _REPLY_DATA["reply"].items()}
_YOUNG: dict[str, str] = dict(_REPLY_DATA["young"])
_AFTERCARE: dict[str, str] = dict(_REPLY_DATA["aftercare"])
for _table in (_REPLIES, _YOUNG, _AFTERCARE):
    if "da" not in _table:
        raise ValueError("content/safety/crisis_reply.toml needs Danish in every table")


def _base(lang: str) -> str:
    if isinstance(lang, str) and lang:
        base = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if base in _REPLIES:
            return base
    return "da"


def crisis_reply(lang: str, young: bool = True) -> str:
    """The fixed, human-written crisis reply in the person's language; Danish when unknown.

    young=False (an adult whose age band we know) leaves out the line about BørneTelefonen.
    """
    base = _base(lang)
    line = _YOUNG.get(base, _YOUNG["da"]) if young else ""
    return _REPLIES[base].replace("{young}\n", f"{line}\n" if line else "")


def aftercare_line(lang: str, young: bool = True) -> str:
    """The one short line every message gets for a while after the crisis reply."""
    base = _base(lang)
    line = _AFTERCARE.get(base, _AFTERCARE["da"]).strip()
    return f"{line} {_YOUNG.get(base, _YOUNG['da'])}" if young else line
