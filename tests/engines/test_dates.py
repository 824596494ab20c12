"""Dates and times as people type them, in Danish and English; Copenhagen time; read back in words."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.i18n import t
from engines.dates import ERRORS, TZ, parse_duration, parse_move, parse_when, say_duration, say_span, say_when

# Friday 27 November 2026, 11:00 in Copenhagen.
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize("text, expected", [
    ("5/12 kl. 14", local(2026, 12, 5, 14)),
    ("5/12 kl 14.30", local(2026, 12, 5, 14, 30)),
    ("5/12 14", local(2026, 12, 5, 14)),
    ("5/12-2026 14.30", local(2026, 12, 5, 14, 30)),
    ("05.12.2026 14:00", local(2026, 12, 5, 14)),
    ("5.12 kl. 14", local(2026, 12, 5, 14)),
    ("2026-12-05 14:00", local(2026, 12, 5, 14)),
    ("2026-12-05T14:00", local(2026, 12, 5, 14)),
    ("5. december kl. 14", local(2026, 12, 5, 14)),
    ("den 5. dec. kl 14.30", local(2026, 12, 5, 14, 30)),
    ("lørdag den 5. december kl. 14", local(2026, 12, 5, 14)),
    ("lørdag kl 14.30", local(2026, 11, 28, 14, 30)),
    ("på lørdag 14", local(2026, 11, 28, 14)),
    ("loerdag kl 14", local(2026, 11, 28, 14)),
    ("i morgen kl 10", local(2026, 11, 28, 10)),
    ("i dag kl. 18", local(2026, 11, 27, 18)),
    ("i overmorgen kl 9", local(2026, 11, 29, 9)),
    ("fredag kl 9", local(2026, 12, 4, 9)),        # today's 9 o'clock has passed: next Friday
    ("fredag kl 15", local(2026, 11, 27, 15)),     # still ahead today
    ("10/1 kl. 12", local(2027, 1, 10, 12)),       # no year: the next 10 January
    # English
    ("5 December 14:00", local(2026, 12, 5, 14)),
    ("December 5th at 2pm", local(2026, 12, 5, 14)),
    ("Saturday 2:30pm", local(2026, 11, 28, 14, 30)),
    ("sat 10am", local(2026, 11, 28, 10)),
    ("tomorrow at 10", local(2026, 11, 28, 10)),
    ("today 18:00", local(2026, 11, 27, 18)),
    ("12 pm tomorrow", local(2026, 11, 28, 12)),
    ("12am on 5 December", local(2026, 12, 5, 0)),
])
def test_understands_danish_and_english_forms(text, expected):
    when = parse_when(text, NOW)
    assert when.ok, (text, when.error)
    assert when.moment == expected
    assert when.moment.tzinfo is not None


def test_summer_and_winter_time_are_right():
    summer = parse_when("2027-07-01 14:00", NOW).moment
    winter = parse_when("2026-12-05 14:00", NOW).moment
    assert summer.astimezone(timezone.utc).hour == 12 and winter.astimezone(timezone.utc).hour == 13


@pytest.mark.parametrize("text, error", [
    ("", "empty"),
    ("   ", "empty"),
    ("5/12", "no_time"),
    ("i morgen", "no_time"),
    ("kl 14", "no_date"),
    ("5/12 kl 25", "bad_time"),
    ("5/12 kl 14.75", "bad_time"),
    ("31/2 kl 14", "bad_date"),
    ("2026-13-01 10:00", "bad_date"),
    ("i dag kl. 9", "past"),
    ("1/1/2020 kl 10", "past"),
    ("2030-01-01 10:00", "too_far"),
    ("2027-03-28 02:30", "gap"),                    # clocks go forward at 02:00
    ("fredag 5/12 kl 14", "weekday_mismatch"),       # 5/12 is a Saturday
    ("i morgen 5/12 kl 14", "weekday_mismatch"),
    ("5/12 kl 14 hos Anna", "unclear"),
    ("snart", "unclear"),
    ("x" * 200, "unclear"),
    ("13pm tomorrow", "bad_time"),
])
def test_errors_have_a_code_and_a_message_in_both_languages(text, error):
    when = parse_when(text, NOW)
    assert not when.ok and when.error == error
    for lang in ("da", "en"):
        assert t(lang, f"dates.error.{error}")
    assert "5/12" in t("da", "dates.examples") and "5/12" in t("en", "dates.examples")


def test_every_error_code_has_a_message():
    for code in ERRORS:
        assert t("da", f"dates.error.{code}") != t("en", f"dates.error.{code}")


def test_read_back_in_words():
    moment = local(2026, 12, 5, 14)
    assert say_when(moment, "da", NOW) == "lørdag den 5. december kl. 14.00"
    assert say_when(moment, "en", NOW) == "Saturday 5 December at 14:00"
    assert say_when(local(2027, 1, 9, 10, 30), "da", NOW) == "lørdag den 9. januar 2027 kl. 10.30"
    assert say_span(moment, 120, "da", NOW) == "lørdag den 5. december kl. 14.00–16.00"
    assert say_span(moment, 90, "en", NOW) == "Saturday 5 December at 14:00–15:30"
    # A UTC moment is read back in Copenhagen time.
    assert say_when(datetime(2026, 12, 5, 13, 0, tzinfo=timezone.utc), "da", NOW).endswith("kl. 14.00")


@pytest.mark.parametrize("text, minutes", [
    ("2 timer", 120), ("1,5 time", 90), ("1½ t", 90), ("90 min", 90), ("90 minutter", 90), ("1:30", 90),
    ("2h30", 150), ("2 t 30 min", 150), ("2 hours 30 minutes", 150), ("2", 120), ("45", 45),
    ("en halv time", 30), ("en time", 60), ("an hour", 60), ("1.5 hours", 90),
])
def test_durations(text, minutes):
    assert parse_duration(text).minutes == minutes


@pytest.mark.parametrize("text, error", [
    ("", "unclear"), ("abc", "unclear"), ("13", "unclear"), ("5 min", "too_short"), ("30 timer", "too_long"),
    ("2 timer og lidt", "unclear"),
])
def test_duration_errors(text, error):
    assert parse_duration(text).error == error


def test_durations_read_back():
    assert say_duration(90, "da") == "1 t. 30 min." and say_duration(60, "en") == "1 hour"
    assert say_duration(120, "da") == "2 timer" and say_duration(30, "en") == "30 min"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_crashes_on_anything(text):
    when = parse_when(text, NOW)
    assert when.ok or when.error in ERRORS
    parse_duration(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=700), st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
def test_what_is_written_back_as_numbers_parses_to_the_same_moment(days, hour, minute):
    day = (NOW.astimezone(TZ) + timedelta(days=days)).date()
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
    for text in (f"{day.day}/{day.month}-{day.year} kl. {hour}.{minute:02d}",
                 f"{day.isoformat()} {hour:02d}:{minute:02d}"):
        when = parse_when(text, NOW)
        if when.error == "gap":
            continue
        assert when.moment == moment, text


# -- moving a start whose date is known (issue 26, item 10) --------------------------------------------

STARTS = local(2026, 12, 2, 11, 0)  # Wednesday 2 December, 11:00


@pytest.mark.parametrize("text, expected", [
    ("en time senere", local(2026, 12, 2, 12, 0)),
    ("to timer tidligere", local(2026, 12, 2, 9, 0)),
    ("30 min senere", local(2026, 12, 2, 11, 30)),
    ("et kvarter senere", local(2026, 12, 2, 11, 15)),
    ("en halv time tidligere", local(2026, 12, 2, 10, 30)),
    ("1,5 time senere", local(2026, 12, 2, 12, 30)),
    ("an hour later", local(2026, 12, 2, 12, 0)),
    ("kl 11.30", local(2026, 12, 2, 11, 30)),
    ("kl. 14", local(2026, 12, 2, 14, 0)),
    ("10:15", local(2026, 12, 2, 10, 15)),
    ("at 2pm", local(2026, 12, 2, 14, 0)),
    ("lørdag kl 10", local(2026, 11, 28, 10, 0)),  # a whole date and time still wins
])
def test_a_move_may_name_only_a_time_or_a_shift(text, expected):
    assert parse_move(text, STARTS, NOW).moment == expected


@pytest.mark.parametrize("text, error", [
    ("kl 25", "bad_time"), ("hej", "unclear"), ("en time senere, tak og farvel", "unclear"),
    ("200 timer tidligere", "past"),
])
def test_a_move_that_cannot_be_read_says_why(text, error):
    assert parse_move(text, STARTS, NOW).error == error
