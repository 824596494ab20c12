"""/settings: "Under 15" is last and asks before erasing an adult (issue 26, item 4)."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Participant, Reflection


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_under_15_is_the_last_button_in_every_age_keyboard(person):
    anna = person()
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    await anna.press("Dansk")
    assert anna.labels[0] == "15–17" and anna.labels[-1] == "Under 15"
    await anna.press("30–49")
    await anna.say("Aarhus")
    await anna.press("Ja, anonymt")
    await anna.say("/settings")
    await anna.press("Aldersgruppe")
    assert anna.labels[0] != "Under 15" and anna.labels[-1] == "Under 15"


async def test_a_habitual_1_in_settings_does_not_erase_an_adult(app, person):
    inger = person("inger")
    await inger.onboard(age="80+")
    await inger.say("Jeg savner min mand hver aften")
    await inger.say("/settings")
    await inger.press("Aldersgruppe")
    said = await inger.say("1")  # the first button, by habit
    assert "Under 15" not in said
    with app.sessions() as s:
        assert s.scalars(select(Participant)).one().age_band == "15-17"
    assert count(app, Reflection) == 1


async def test_under_15_in_settings_asks_first_and_no_keeps_everything(app, person):
    inger = person("inger")
    await inger.onboard(age="80+")
    await inger.say("Jeg savner min mand hver aften")
    await inger.say("/settings")
    await inger.press("Aldersgruppe")
    said = await inger.press("Under 15")
    assert "Passer det?" in said and "kan ikke fortrydes" in said
    assert count(app, Participant) == 1 and count(app, Reflection) == 1
    said = await inger.press("Nej, det var en fejl")
    assert "Intet er slettet" in said and "80+" in said
    with app.sessions() as s:
        assert s.scalars(select(Participant)).one().age_band == "80+"
    assert count(app, Reflection) == 1


async def test_under_15_in_settings_confirmed_erases_and_signposts(app, person):
    maja = person("maja")
    await maja.onboard(age="15–17")
    await maja.say("/settings")
    await maja.press("Aldersgruppe")
    await maja.press("Under 15")
    said = await maja.press("Ja, jeg er under 15")
    assert "116 111" in said
    assert count(app, Participant) == 0


async def test_typing_at_the_settings_age_question_keeps_nothing_and_erases_nothing(app, person):
    inger = person("inger")
    await inger.onboard(age="80+")
    await inger.say("/settings")
    await inger.press("Aldersgruppe")
    await inger.press("Under 15")
    said = await inger.say("ja")
    assert "Tryk på en af knapperne" in said and "Hvor gammel" in said
    assert count(app, Participant) == 1 and count(app, Reflection) == 0
