"""Dates and times as people type them (Danish and English), read back in words; always Copenhagen time.

`parse_when("5/12 kl. 14", now)` understands, among others:

    5/12 kl. 14 · 5/12-2026 14.30 · 05.12.2026 14:00 · 2026-12-05 14:00 · 2026-12-05T14:00
    5. december kl. 14 · den 5. dec. kl 14.30 · lørdag kl 14.30 · på lørdag 14 · i morgen kl 10
    i dag kl. 18 · i overmorgen kl 9 · lørdag den 5. december kl. 14
    5 December 14:00 · December 5th at 2pm · Saturday 2:30pm · tomorrow at 10 · today 18:00

Numeric dates are always day first (d/m), as in Denmark. A date without a year is the next time that
date comes round. A weekday alone is the next such day (today, if the time is still ahead). Anything
left over that is not a date or a time makes the whole text unclear: better to ask again than guess.

The answer is a `When`: the moment (aware, Europe/Copenhagen) or an error code the caller turns into a
kind message with an example (`dates.error.<code>` in the locale files).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from babel.dates import format_datetime

from content.i18n import TZ, t
from storage.clock import system_clock

# Announcing further ahead than this is almost certainly a typo in the year.
MAX_AHEAD = timedelta(days=2 * 366)
MAX_INPUT = 80

# Error codes, each with a message in the locale files (dates.error.<code>).
ERRORS = ("empty", "unclear", "no_date", "no_time", "bad_date", "bad_time", "past", "too_far", "gap",
          "weekday_mismatch")

MONTHS = {
    # Danish
    "januar": 1, "februar": 2, "marts": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "okt": 10, "nov": 11, "dec": 12,
    # English (the rest are shared with Danish or abbreviations above)
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "oct": 10,
}
WEEKDAYS = {
    "mandag": 0, "tirsdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lørdag": 5, "søndag": 6,
    "man": 0, "tirs": 1, "tir": 1, "ons": 2, "tors": 3, "tor": 3, "fre": 4, "lør": 5, "søn": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5,
    "sun": 6,
}
RELATIVE = {"i dag": 0, "idag": 0, "today": 0, "i morgen": 1, "imorgen": 1, "tomorrow": 1,
            "i overmorgen": 2, "iovermorgen": 2, "overmorgen": 2, "day after tomorrow": 2}
# Words that carry no information of their own: "på lørdag den 5. december klokken 14".
FILLER = {"kl", "klokken", "den", "d", "på", "om", "at", "on", "the", "of", "næste", "next", "this",
          "denne", "kommende", "coming", "fra", "from", "starter", "starts", "start", "ca", "around",
          "cirka", "og", "and", "@"}

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_REL_RE = "|".join(sorted((re.escape(k) for k in RELATIVE), key=len, reverse=True))


@dataclass(frozen=True)
class When:
    """What parse_when understood: a moment, or the reason it could not."""

    moment: datetime | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.moment is not None


# Keyboards without ø: "loerdag", "lordag", "soendag", "sondag", "loer", "soen".
_ASCII_DANISH = {"loerdag": "lørdag", "lordag": "lørdag", "soendag": "søndag", "sondag": "søndag",
                 "loer": "lør", "soen": "søn"}


def _fold(text: str) -> str:
    """Lower case, with the ASCII spellings of the Danish weekdays accepted."""
    text = text.casefold().strip()
    return re.sub(r"\b(" + "|".join(_ASCII_DANISH) + r")\b", lambda m: _ASCII_DANISH[m.group(1)], text)


def _local(d: date, tm: time) -> datetime | None:
    """The Copenhagen moment for a wall-clock date and time; None if the clocks skip it (DST gap)."""
    naive = datetime.combine(d, tm)
    aware = naive.replace(tzinfo=TZ)
    back = aware.astimezone(timezone.utc).astimezone(TZ).replace(tzinfo=None)
    return aware if back == naive else None


def _take(pattern: str, text: str) -> tuple[re.Match[str] | None, str]:
    """Find pattern (as whole words) and cut it out, so what is left over can be checked."""
    m = re.search(pattern, text)
    if m is None:
        return None, text
    return m, f"{text[:m.start()]} {text[m.end():]}"


def _hour_minute(hour: str, minute: str | None, meridiem: str | None) -> time | None:
    h, mi = int(hour), int(minute or 0)
    if meridiem:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem.startswith("p") else 0)
    if not (0 <= h <= 23 and 0 <= mi <= 59):
        return None
    return time(h, mi)


def _find_time(text: str) -> tuple[time | None, bool, str]:
    """(time, whether something time-like was there, text without it)."""
    ampm = r"\s*(a\.?m\.?|p\.?m\.?)(?=\s|$)"
    patterns = (
        # kl. 14 / klokken 14.30 / at 2 pm / @ 14:00
        rf"(?:\bkl\b\.?|\bklokken\b|\bat\b|@)\s*(\d{{1,2}})(?:[:.](\d{{2}}))?(?:{ampm})?(?![\d/])",
        # 14:30, 2:30pm
        rf"(?<![\d./-])(\d{{1,2}}):(\d{{2}})(?:{ampm})?(?![\d/])",
        # 2pm, 2.30 pm
        rf"(?<![\d./-])(\d{{1,2}})(?:\.(\d{{2}}))?{ampm}",
    )
    for pattern in patterns:
        m, rest = _take(pattern, text)
        if m is not None:
            meridiem = (m.group(3) or "").replace(".", "") if m.lastindex and m.lastindex >= 3 else None
            return _hour_minute(m.group(1), m.group(2), meridiem or None), True, rest
    return None, False, text


def _bare_time(text: str) -> tuple[time | None, bool, str]:
    """After the date is cut out: a lone '14' or '14.30' is the time."""
    m, rest = _take(r"(?<![\d/-])(\d{1,2})(?:[.:](\d{2}))?(?:\s*(?:h|t))?(?![\d/])", text)
    if m is None:
        return None, False, text
    return _hour_minute(m.group(1), m.group(2), None), True, rest


@dataclass(frozen=True)
class _DatePart:
    day: int | None = None
    month: int | None = None
    year: int | None = None
    offset: int | None = None   # days from today (i dag, i morgen)
    weekday: int | None = None


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    y = int(raw)
    return 2000 + y if y < 100 else y


def _find_date(text: str) -> tuple[_DatePart | None, bool, str]:
    """(date part, whether the date was malformed, text without it)."""
    found = _DatePart()
    m, text = _take(rf"\b({_REL_RE})\b", text)
    if m is not None:
        found = _DatePart(offset=RELATIVE[m.group(1)])
    m, text = _take(rf"\b({_WEEKDAY_RE})\b\.?,?", text)
    if m is not None:
        found = _DatePart(offset=found.offset, weekday=WEEKDAYS[m.group(1)])
    # 2026-12-05 (T14:00 is a time found before)
    m, text = _take(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    if m is not None:
        return _DatePart(int(m.group(3)), int(m.group(2)), int(m.group(1)), found.offset, found.weekday), False, text
    # 5. december 2026 / 5 dec / 5th of December
    m, text = _take(rf"\b(\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?:of\s+)?({_MONTH_RE})\b\.?(?:\s*,?\s*(\d{{4}})\b)?", text)
    if m is not None:
        return _DatePart(int(m.group(1)), MONTHS[m.group(2)], _year(m.group(3)), found.offset, found.weekday), False, text
    # December 5th, 2026
    m, text = _take(rf"\b({_MONTH_RE})\b\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(\d{{4}})\b)?", text)
    if m is not None:
        return _DatePart(int(m.group(2)), MONTHS[m.group(1)], _year(m.group(3)), found.offset, found.weekday), False, text
    # 5/12, 5/12-2026, 5/12/26, 05.12.2026, 5-12-2026
    m, text = _take(r"(?<![\d:.])(\d{1,2})\s*/\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?(?![\d:])"
                    r"|(?<![\d:.])(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?![\d:])"
                    r"|(?<![\d:.])(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})(?![\d:])"
                    # 5.12 (day.month, no year): only a real month, so 14.30 stays a time
                    r"|(?<![\d:.])(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.?(?![\d:])", text)
    if m is not None:
        g = [x for x in m.groups() if x is not None]
        return _DatePart(int(g[0]), int(g[1]), _year(g[2] if len(g) > 2 else None), found.offset,
                         found.weekday), False, text
    if found.offset is None and found.weekday is None:
        return None, False, text
    return found, False, text


def _leftover(text: str) -> bool:
    words = [w for w in re.split(r"[\s,.;:!?()\-–/]+", text) if w]
    return any(w not in FILLER for w in words)


def parse_when(text: str, now: datetime, *, max_ahead: timedelta = MAX_AHEAD) -> When:
    """Understand a start time typed by a person; `now` is the dispatcher's clock (aware)."""
    raw = (text or "").strip()
    if not raw:
        return When(error="empty")
    if len(raw) > MAX_INPUT:
        return When(error="unclear")
    work = f" {_fold(raw)} "
    # ISO with a T: split it so the time is found like any other.
    work = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2})(?::\d{2})?", r"\1 \2", work)
    tm, time_seen, work = _find_time(work)
    part, _, work = _find_date(work)
    if not time_seen:
        tm, time_seen, work = _bare_time(work)
    if _leftover(work):
        return When(error="unclear")
    if part is None:
        return When(error="no_date" if time_seen else "unclear")
    if not time_seen:
        return When(error="no_time")
    if tm is None:
        return When(error="bad_time")
    today = now.astimezone(TZ).date()
    local_now = now.astimezone(TZ)
    if part.day is not None:
        years = [part.year] if part.year is not None else [today.year, today.year + 1]
        candidate = None
        for year in years:
            try:
                d = date(year, part.month, part.day)  # type: ignore[arg-type]
            except ValueError:
                return When(error="bad_date")
            moment = _local(d, tm)
            if moment is None:
                return When(error="gap")
            candidate = moment
            if part.year is not None or moment >= local_now:
                break
        assert candidate is not None
        if part.weekday is not None and candidate.weekday() != part.weekday:
            return When(error="weekday_mismatch")
        if part.offset is not None and candidate.date() != today + timedelta(days=part.offset):
            return When(error="weekday_mismatch")
    elif part.offset is not None:
        d = today + timedelta(days=part.offset)
        if part.weekday is not None and d.weekday() != part.weekday:
            return When(error="weekday_mismatch")
        candidate = _local(d, tm)
        if candidate is None:
            return When(error="gap")
    else:
        ahead = (part.weekday - today.weekday()) % 7  # type: ignore[operator]
        d = today + timedelta(days=ahead)
        candidate = _local(d, tm)
        if candidate is not None and candidate < local_now:
            candidate = _local(d + timedelta(days=7), tm)
        if candidate is None:
            return When(error="gap")
    if candidate < local_now:
        return When(error="past")
    if candidate - local_now > max_ahead:
        return When(error="too_far")
    return When(moment=candidate)


# ------------------------------------------------------------------------------------ moving a start

# "en time senere", "to timer tidligere", "30 min senere", "et kvarter senere", "an hour later".
_AMOUNTS = {"en": 1, "et": 1, "one": 1, "an": 1, "a": 1, "to": 2, "two": 2, "tre": 3, "three": 3, "fire": 4,
            "four": 4, "halvanden": 1.5, "en halv": 0.5, "half an": 0.5, "half a": 0.5}
_UNITS = {"timer": 60, "time": 60, "t": 60, "hours": 60, "hour": 60, "h": 60, "minutter": 1, "minut": 1,
          "min": 1, "minutes": 1, "minute": 1, "kvarter": 15, "quarter": 15}
_SIGN = {"senere": 1, "later": 1, "tidligere": -1, "earlier": -1}
_SHIFT = re.compile(r"(?:(\d{1,3}(?:[.,]\d+)?|" + "|".join(sorted(_AMOUNTS, key=len, reverse=True)) + r")\s*)?("
                    + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\s+(" + "|".join(_SIGN) + r")")


def _shift(text: str) -> timedelta | None:
    m = _SHIFT.fullmatch(" ".join(text.split()))
    if m is None:
        return None
    raw = m.group(1) or "1"
    amount = _AMOUNTS.get(raw) or float(raw.replace(",", "."))
    return timedelta(minutes=_SIGN[m.group(3)] * amount * _UNITS[m.group(2)])


def parse_move(text: str, current: datetime, now: datetime, *, max_ahead: timedelta = MAX_AHEAD) -> When:
    """A new start for something that starts at `current` (aware): a date and time as parse_when reads
    them, or, since the date is known, a time alone ("kl 11", "11.30": the same day) or a shift ("en time
    senere", "30 min tidligere", "an hour later")."""
    when = parse_when(text, now, max_ahead=max_ahead)
    if when.ok or when.error not in ("no_date", "unclear"):
        return when
    folded = _fold(text or "")
    moment: datetime | None
    shift = _shift(folded)
    if shift is not None:
        moment = (current.astimezone(timezone.utc) + shift).astimezone(TZ)
    else:
        tm, seen, rest = _find_time(f" {folded} ")
        if not seen:
            tm, seen, rest = _bare_time(rest)
        if not seen or _leftover(rest):
            return when
        if tm is None:
            return When(error="bad_time")
        moment = _local(current.astimezone(TZ).date(), tm)
        if moment is None:
            return When(error="gap")
    if moment < now:
        return When(error="past")
    if moment - now > max_ahead:
        return When(error="too_far")
    return When(moment=moment)


# ------------------------------------------------------------------------------------ durations

MIN_DURATION, MAX_DURATION = 15, 24 * 60
_H = r"(?:timer|time|tim|t|hours|hour|hrs|hr|h)"
_M = r"(?:minutter|minut|min|m|minutes|minute|mins)"


@dataclass(frozen=True)
class Duration:
    minutes: int | None = None
    error: str | None = None  # unclear | too_short | too_long


def parse_duration(text: str) -> Duration:
    """'2 timer', '1,5 time', '1½ t', '90 min', '1:30', '2h30', '2 hours 30 minutes', '2'."""
    s = (text or "").casefold().strip().replace("½", ".5").replace(",", ".")
    s = re.sub(r"\s+(?:og|and)\s+", " ", s)
    s = re.sub(r"^(?:en|an|a|one)\s+halv\s+time$|^half an hour$", "30 min", s)
    s = re.sub(r"^(?:en|an|a|one)\s+(time|hour)$", r"1 \1", s)
    if not s or len(s) > 40:
        return Duration(error="unclear")
    minutes: float | None = None
    patterns = (
        (rf"^(\d+(?:\.\d+)?)\s*{_H}\.?\s*(\d{{1,2}})\s*(?:{_M}\.?)?$", lambda m: float(m[1]) * 60 + int(m[2])),
        (rf"^(\d+(?:\.\d+)?)\s*{_H}\.?$", lambda m: float(m[1]) * 60),
        (rf"^(\d+)\s*{_M}\.?$", lambda m: float(m[1])),
        (r"^(\d{1,2}):(\d{2})$", lambda m: int(m[1]) * 60 + int(m[2])),
        (r"^(\d+(?:\.\d+)?)$", lambda m: float(m[1]) * 60 if float(m[1]) <= 12
         else (float(m[1]) if float(m[1]) >= 15 else None)),
    )
    for pattern, value in patterns:
        m = re.match(pattern, s)
        if m is not None:
            minutes = value(m)
            break
    if minutes is None:
        return Duration(error="unclear")
    whole = round(minutes)
    if whole < MIN_DURATION:
        return Duration(error="too_short")
    if whole > MAX_DURATION:
        return Duration(error="too_long")
    return Duration(minutes=whole)


# ------------------------------------------------------------------------------------ reading back

def say_when(moment: datetime, lang: str, now: datetime | None = None) -> str:
    """'lørdag den 5. december kl. 14.00' / 'Saturday 5 December at 14:00' (year added when not this year)."""
    local = moment.astimezone(TZ)
    this_year = (now or system_clock()).astimezone(TZ).year
    key = "dates.pattern" if local.year == this_year else "dates.pattern_year"
    return format_datetime(local, t(lang, key), locale=lang, tzinfo=TZ)


def say_clock(moment: datetime, lang: str) -> str:
    """Only the time of day: '16.00' / '16:00'."""
    return format_datetime(moment.astimezone(TZ), t(lang, "dates.clock"), locale=lang, tzinfo=TZ)


def say_span(start: datetime, minutes: int, lang: str, now: datetime | None = None) -> str:
    """'lørdag den 5. december kl. 14.00–16.00'; an end on another day is written in full."""
    end = start + timedelta(minutes=minutes)
    if end.astimezone(TZ).date() == start.astimezone(TZ).date():
        return f"{say_when(start, lang, now)}–{say_clock(end, lang)}"
    return f"{say_when(start, lang, now)} – {say_when(end, lang, now)}"


def say_duration(minutes: int, lang: str) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return t(lang, "dates.hours_minutes", hours=hours, minutes=rest)
    if hours:
        return t(lang, "dates.hour" if hours == 1 else "dates.hours", hours=hours)
    return t(lang, "dates.minutes", minutes=rest)
