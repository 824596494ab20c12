"""Flood control: per-person and per-group message limits, checked before any database work.

What a person sees when over a limit: the first message over it gets one kind note ("you're writing
faster than I can follow"); further messages in the same minute are dropped without a word, because that
note was already sent within the window and answering every flooded line would amplify the flood (and
spend the chat's own send rate). A minute later the note is armed again. In a group nothing is said.

Never limited: crisis words (the dispatcher checks them first and calls `crisis`, which also gives the
person a fresh minute, so what they write right after the crisis reply is heard, not dropped). In a
group the answer to crisis words is a neutral offer of a private chat; it is made once a minute per
person and chat, since repeating it would only draw the group's eyes to them (the offer stands). Button
presses have their own, wider window: pressing through onboarding does not use up the text limit.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    per_minute: int = 20
    per_day: int = 200
    group_per_minute: int = 30
    # Presses are counted apart from what people type: onboarding alone is six of them.
    presses_per_minute: int = 60


@dataclass
class _Window:
    minute: deque[datetime] = field(default_factory=deque)
    day: deque[datetime] = field(default_factory=deque)
    # One kind note per burst: replying to every flooded message would amplify the flood.
    warned_until: datetime | None = None


class FloodGate:
    """Sliding windows kept in memory only: they hold no personal data and vanish on restart.

    Checked before the database is touched, so someone flooding costs others next to nothing.
    """

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self._people: dict[tuple[str, str], _Window] = {}
        self._groups: dict[tuple[str, str], _Window] = {}
        self._presses: dict[tuple[str, str], _Window] = {}
        self._offers: dict[tuple[str, str, str], datetime] = {}  # (platform, chat, user) → last group offer
        self._checks = 0

    def check(self, platform: str, user_id: str, chat_id: str, chat_type: str, now: datetime, *,
              press: bool = False) -> str:
        """'ok', 'warn' (over the limit: answer once) or 'drop' (over, and the note already sent this minute)."""
        self._checks += 1
        if self._checks % 10_000 == 0:
            self._prune(now)
        # In a group a note would itself add to the noise: over a limit there is silence, and the note
        # stays armed for the person's private chat (it has not been sent).
        private = chat_type == "private"
        if press:
            presses = self._presses.setdefault((platform, user_id), _Window())
            return self._admit(presses, now, self.limits.presses_per_minute, None, may_warn=private)
        person = self._people.setdefault((platform, user_id), _Window())
        verdict = self._admit(person, now, self.limits.per_minute, self.limits.per_day, may_warn=private)
        if verdict == "ok" and not private:
            group = self._groups.setdefault((platform, chat_id), _Window())
            verdict = self._admit(group, now, self.limits.group_per_minute, None, may_warn=False)
        return verdict

    def crisis(self, platform: str, user_id: str, chat_id: str, chat_type: str, now: datetime) -> bool:
        """Crisis words were written: answer them (True), and a fresh minute for what the person writes
        next. False only in a group where this person was offered a private chat less than a minute ago."""
        person = self._people.get((platform, user_id))
        if person is not None:
            person.minute.clear()
            person.warned_until = None
        if chat_type == "private":
            return True
        key = (platform, chat_id, user_id)
        last = self._offers.get(key)
        if last is not None and now - last < MINUTE:
            return False
        self._offers[key] = now
        return True

    @staticmethod
    def _admit(w: _Window, now: datetime, per_minute: int, per_day: int | None, *, may_warn: bool) -> str:
        while w.minute and now - w.minute[0] >= MINUTE:
            w.minute.popleft()
        while w.day and now - w.day[0] >= DAY:
            w.day.popleft()
        if len(w.minute) >= per_minute or (per_day is not None and len(w.day) >= per_day):
            if not may_warn or (w.warned_until is not None and now < w.warned_until):
                return "drop"
            w.warned_until = now + MINUTE
            return "warn"
        w.minute.append(now)
        if per_day is not None:
            w.day.append(now)
        return "ok"

    def _prune(self, now: datetime) -> None:
        for key in [k for k, at in self._offers.items() if now - at >= MINUTE]:
            del self._offers[key]
        for table in (self._people, self._groups, self._presses):
            for key in [k for k, w in table.items() if not w.day or now - w.day[-1] >= DAY]:
                if not table[key].minute:
                    del table[key]
