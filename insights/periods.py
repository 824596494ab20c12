"""Reporting periods: an ISO week (2026-W48), a month (2026-11), a quarter (2026-Q4) or a year (2026).

Boundaries are midnight in Europe/Copenhagen; `start` and `end` are timezone-aware UTC datetimes,
start inclusive and end exclusive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from content.i18n import TZ

_FORMS = (
    ("week", re.compile(r"^(\d{4})-W(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("year", re.compile(r"^(\d{4})$")),
)


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in Copenhagen, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(timezone.utc)


@dataclass(frozen=True)
class Period:
    kind: str  # week | month | quarter | year
    id: str
    first_day: date
    next_first_day: date

    @property
    def start(self) -> datetime:
        return day_start(self.first_day)

    @property
    def end(self) -> datetime:
        return day_start(self.next_first_day)

    def previous(self) -> Period:
        return period_containing(self.kind, self.first_day - timedelta(days=1))

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "first_day": self.first_day.isoformat(),
                "last_day": (self.next_first_day - timedelta(days=1)).isoformat(),
                "timezone": "Europe/Copenhagen"}


def period_containing(kind: str, day: date) -> Period:
    if kind == "week":
        year, week, _ = day.isocalendar()
        first = date.fromisocalendar(year, week, 1)
        return Period("week", f"{year}-W{week:02d}", first, first + timedelta(days=7))
    if kind == "month":
        first = day.replace(day=1)
        nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return Period("month", f"{day.year}-{day.month:02d}", first, nxt)
    if kind == "quarter":
        q = (day.month - 1) // 3
        first = date(day.year, 3 * q + 1, 1)
        nxt = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
        return Period("quarter", f"{day.year}-Q{q + 1}", first, nxt)
    if kind == "year":
        return Period("year", str(day.year), date(day.year, 1, 1), date(day.year + 1, 1, 1))
    raise ValueError(f"unknown period kind {kind!r}")


def parse_period(text: str) -> Period:
    """'2026-W48', '2026-11', '2026-Q4' or '2026'; a clear ValueError otherwise."""
    text = text.strip().upper()
    for kind, rx in _FORMS:
        m = rx.match(text)
        if not m:
            continue
        year = int(m.group(1))
        try:
            if kind == "week":
                return period_containing("week", date.fromisocalendar(year, int(m.group(2)), 1))
            if kind == "month":
                return period_containing("month", date(year, int(m.group(2)), 1))
            if kind == "quarter":
                return period_containing("quarter", date(year, 3 * int(m.group(2)) - 2, 1))
            return period_containing("year", date(year, 1, 1))
        except ValueError:
            break
    raise ValueError(f"not a period: {text!r}; use 2026-W48 (ISO week), 2026-11, 2026-Q4 or 2026")


def last_complete_week(now: datetime) -> Period:
    """The ISO week before the one `now` falls in (Copenhagen time)."""
    today = now.astimezone(TZ).date()
    return period_containing("week", today).previous()
