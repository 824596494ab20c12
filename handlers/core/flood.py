"""Flood control: per-person and per-group message limits, checked before any database work."""
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
        self._checks = 0

    def check(self, platform: str, user_id: str, chat_id: str, chat_type: str, now: datetime) -> str:
        """'ok', 'warn' (over the limit: answer once) or 'drop' (over, already answered)."""
        self._checks += 1
        if self._checks % 10_000 == 0:
            self._prune(now)
        person = self._people.setdefault((platform, user_id), _Window())
        verdict = self._admit(person, now, self.limits.per_minute, self.limits.per_day)
        if verdict == "ok" and chat_type != "private":
            group = self._groups.setdefault((platform, chat_id), _Window())
            verdict = self._admit(group, now, self.limits.group_per_minute, None)
            if verdict != "ok":
                # In a group, a note would itself add to the noise.
                return "drop"
        return verdict

    @staticmethod
    def _admit(w: _Window, now: datetime, per_minute: int, per_day: int | None) -> str:
        while w.minute and now - w.minute[0] >= MINUTE:
            w.minute.popleft()
        while w.day and now - w.day[0] >= DAY:
            w.day.popleft()
        if len(w.minute) >= per_minute or (per_day is not None and len(w.day) >= per_day):
            if w.warned_until is not None and now < w.warned_until:
                return "drop"
            w.warned_until = now + MINUTE
            return "warn"
        w.minute.append(now)
        if per_day is not None:
            w.day.append(now)
        return "ok"

    def _prune(self, now: datetime) -> None:
        for table in (self._people, self._groups):
            for key in [k for k, w in table.items() if not w.day or now - w.day[-1] >= DAY]:
                if not table[key].minute:
                    del table[key]
