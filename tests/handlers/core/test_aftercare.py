"""After the crisis reply the bot stays warm: one short line, no receipts, no forms (issue 26, item 1)."""
from __future__ import annotations

from sqlalchemy import func, select

from handlers.core.types import ReplyKind
from storage.models import Reflection

CRISIS_DA = "jeg vil ikke leve mere"


def no_buttons(who) -> bool:
    return all(not r.buttons for r in who.replies())


def count(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(Reflection))


async def test_after_the_crisis_reply_every_message_gets_one_warm_line(app, person, clock):
    inger = person("inger")
    await inger.onboard(age="65–79")
    said = await inger.say(CRISIS_DA)
    assert "70 201 201" in said and "gemt" not in said and "Fortryd" not in said
    assert no_buttons(inger) and [r.kind for r in inger.replies()] == [ReplyKind.CRISIS]
    said = await inger.say("ingen ringer nogensinde")
    assert "70 201 201" in said and "chatbot" in said and "gemt" not in said
    assert len(inger.replies()) == 1 and no_buttons(inger)
    assert count(app) == 0
    # A command still works in the meantime.
    assert "Livslinien" in await inger.say("/menneske")
    clock.advance(hours=2)
    said = await inger.say("Nu har jeg ringet til min datter, det hjalp")
    assert "Tak, fordi du deler det" in said and count(app) == 1


async def test_an_adult_is_not_told_er_du_ung(person):
    inger = person("inger")
    await inger.onboard(age="65–79")
    said = await inger.say(CRISIS_DA)
    assert "Er du ung" not in said and "116 111" not in said
    said = await inger.say("ja")
    assert "116 111" not in said


async def test_a_young_person_is_told_about_boernetelefonen(person):
    maja = person("maja")
    await maja.onboard(age="15–17")
    assert "116 111" in await maja.say(CRISIS_DA)
    assert "116 111" in await maja.say("ok")


async def test_without_consent_no_form_follows_the_crisis_reply(app, person):
    stranger = person("stranger")
    await stranger.say("/start")
    said = await stranger.say(CRISIS_DA)
    assert "70 201 201" in said and "samtykke" not in said.lower() and no_buttons(stranger)
    said = await stranger.say("ingen ringer nogensinde")
    assert "70 201 201" in said and "samtykke" not in said.lower() and no_buttons(stranger)
    assert count(app) == 0


async def test_the_line_is_in_english_for_english_readers(person):
    ahmad = person("ahmad", lang_hint="en")
    await ahmad.onboard(lang="en", age="18–29", municipality="Odense")
    await ahmad.say("I want to die")
    said = await ahmad.say("nobody cares")
    assert "chat bot" in said and "70 201 201" in said and "116 111" not in said
