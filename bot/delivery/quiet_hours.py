"""Copenhagen time for delivery: the nightly quiet span in which prompts wait, and the local day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from content.i18n import TZ


def _parse_hhmm(value: str | time) -> time:
    if isinstance(value, time):
        return value
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class QuietHours:
    """A nightly span (Copenhagen time) in which no prompt is delivered; start == end means none."""

    start: time = time(21, 0)
    end: time = time(9, 0)

    @classmethod
    def parse(cls, start: str | time, end: str | time) -> QuietHours:
        return cls(_parse_hhmm(start), _parse_hhmm(end))

    def contains(self, moment: datetime) -> bool:
        if self.start == self.end:
            return False
        local = moment.astimezone(TZ).timetz().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself if it is outside quiet hours, else the end of this quiet span (UTC)."""
        if not self.contains(moment):
            return moment.astimezone(timezone.utc)
        local = moment.astimezone(TZ)
        day: date = local.date()
        if self.start > self.end and local.time() >= self.start:
            day = day + timedelta(days=1)
        # Built as wall-clock time in Copenhagen, so 09:00 stays 09:00 across the DST change.
        return datetime.combine(day, self.end, TZ).astimezone(timezone.utc)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()
