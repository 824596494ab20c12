"""The console: a typed number answers a question that takes one; it never presses a button instead.

Where a question also takes a typed answer (/newevent's capacity, dates, times, postcodes), the console
letters its choices; elsewhere (onboarding, the scripted session in the README) they stay numbered.
"""
from __future__ import annotations

import pytest

from bot.platforms.console import choice_keys
from tests.support.people import Person
from tests.support.events import become_organiser, relaxed_flood  # noqa: F401 - fixture


@pytest.fixture
async def olga(app, clock) -> Person:
    olga = Person(app, "olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    await olga.say("/newevent")
    await olga.say("Fællesspisning i Medborgerhuset")
    await olga.say("Vi laver mad sammen.")
    await olga.say("5/12 kl. 14")
    await olga.press("Ja, det passer")
    await olga.say("2 timer")
    await olga.say("Medborgerhuset, Vestergade 12")
    said = await olga.say("Aarhus")
    assert "Hvor mange kan være med?" in said
    return olga


async def test_a_typed_capacity_of_two_is_a_capacity_not_back(olga):
    assert olga.console.keys == ["a", "b", "c"]
    assert "[a] Ingen grænse" in olga.out.getvalue().rsplit("Hvor mange", 1)[1]
    said = await olga.say("2")
    assert "Hvilket sprog" in said, said
    await olga.press("Dansk")
    await olga.press("Ældre")
    await olga.say("-")
    said = await olga.press("Ja")
    assert "Pladser: 2" in said, said


async def test_letters_press_the_choices_beside_a_typed_answer(olga):
    said = await olga.say("b")  # « Tilbage
    assert "Hvilken kommune" in said and olga.labels[0] == "Aarhus", said
    said = await olga.say("1")  # typed, so read as a municipality, not as a press of [a] Aarhus
    assert "Hvor mange kan være med?" not in said and "Hvilken kommune" in said, said
    said = await olga.say("a")
    assert "Hvor mange kan være med?" in said, said


async def test_questions_without_a_typed_answer_keep_numbers(person):
    anna = person()
    said = await anna.say("/start")
    assert "[1]" in said and anna.console.keys[0] == "1"


def test_keys_go_on_past_the_alphabet():
    keys = choice_keys(30, lettered=True)
    assert keys[:3] == ["a", "b", "c"] and keys[26:28] == ["aa", "ab"] and len(set(keys)) == 30
    assert choice_keys(3, lettered=False) == ["1", "2", "3"]
