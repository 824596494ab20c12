"""Questions to the bot are answered, not stored; /menneske finds a human (issue 26, items 2 and 3)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from content.human_contacts import human_contacts
from storage.models import Reflection


def count(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(Reflection))


@pytest.mark.parametrize("typed, expected", [
    ("hjælp", "/forget"), ("Hjælp!", "/forget"), ("help", "/forget"), ("hvem er du", "chatbot"),
    ("Hej, hvem er du?", "chatbot"), ("kan jeg tale med et menneske", "70 201 201"),
    ("stop", "/pause"),
])
async def test_a_question_to_the_bot_is_answered_and_not_stored(app, person, typed, expected):
    inger = person("inger")
    await inger.onboard(age="80+")
    said = await inger.say(typed)
    assert expected in said and "gemt uden dit navn" not in said
    assert count(app) == 0


async def test_english_questions_get_english_answers(app, person):
    ahmad = person("ahmad", lang_hint="en")
    await ahmad.onboard(lang="en", age="18–29", municipality="Odense")
    said = await ahmad.say("who are you?")
    assert "chat bot" in said and "/human" in said
    said = await ahmad.say("Can I talk to a human")
    assert "Ventilen" in said and "70 201 201" in said
    assert count(app) == 0


@pytest.mark.parametrize("reflection", [
    "jeg er saa alene efter min mand døde",
    "Hjælp mig, jeg ved ikke hvem jeg skal tale med om det her",
    "Det ville hjælpe, hvis naboerne sagde hej",
    "Et menneske at drikke kaffe med om søndagen, det savner jeg",
])
async def test_a_reflection_that_mentions_help_is_kept_with_a_warm_receipt(app, person, reflection):
    inger = person("inger")
    await inger.onboard(age="80+")
    said = await inger.say(reflection)
    assert "Tak, fordi du deler det" in said and "uden dit navn" in said
    assert count(app) == 1


@pytest.mark.parametrize("command", ["/menneske", "/human"])
async def test_menneske_lists_the_partners_with_numbers_or_web_pages(person, command):
    inger = person("inger")
    await inger.onboard(age="80+")
    said = await inger.say(command)
    assert "Livslinien" in said and "70 201 201" in said
    assert "Ældre Sagen" in said and "aeldresagen.dk" in said and "Røde Kors" in said
    # Young people's lines go to young people (and to those whose age we do not know).
    assert "Ventilen" not in said and "116 111" not in said


async def test_menneske_for_a_young_person_names_ventilen_and_boernetelefonen(person):
    maja = person("maja")
    await maja.onboard(age="15–17")
    said = await maja.say("/menneske")
    assert "Ventilen" in said and "116 111" in said


async def test_menneske_before_start_shows_everyone_and_keeps_nothing(app, person):
    said = await person("stranger").say("/menneske")
    assert "116 111" in said and "70 201 201" in said
    assert count(app) == 0


def test_every_contact_names_its_source_and_review_date():
    for contact in human_contacts():
        assert contact.source.startswith("https://") and contact.web.startswith("https://")
        assert contact.reviewed_on.year >= 2026
