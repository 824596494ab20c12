"""For a while after a crisis reply, every message gets one short line with the helplines.

No receipts, no buttons, no forms, and nothing stored: a person who has just written something dark
should not meet "Tak, det har jeg gemt" or a consent form. Commands and button presses still work, so
/start, /help or /menneske are answered as usual.

Held in memory per process, like the flood gate: it needs no personal data in the database, and after
a restart (or on another process) the person simply gets the ordinary answers again. A new crisis
message always gets the full crisis reply and starts the window again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

# Young people (and those whose age we do not know) are also told about BørneTelefonen.
YOUNG_BANDS = frozenset({"u15", "15-17"})
WINDOW = timedelta(hours=1)


def is_young(age_band: str | None) -> bool:
    return age_band is None or age_band in YOUNG_BANDS


class Aftercare:
    """Who got a crisis reply lately, by (platform, user id), and until when the window lasts."""

    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self._until: dict[tuple[str, str], datetime] = {}

    def begin(self, platform: str, user_id: str, now: datetime) -> None:
        # Forget windows that have passed, so the map holds only people in one now.
        self._until = {k: until for k, until in self._until.items() if until > now}
        self._until[(platform, user_id)] = now + self.window

    def active(self, platform: str, user_id: str, now: datetime) -> bool:
        until = self._until.get((platform, user_id))
        return until is not None and now < until

    def end(self, platform: str, user_id: str) -> None:
        self._until.pop((platform, user_id), None)
