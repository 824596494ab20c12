"""Typed answers during onboarding are read, never stored as reflections (issue 26, items 5 and 7)."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Consent, Participant, Reflection


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def profile(app) -> Participant:
    with app.sessions() as s:
        return s.scalars(select(Participant)).one()


async def test_typed_ja_at_consent_is_a_yes(app, person):
    inger = person("inger")
    await inger.say("/start")
    said = await inger.say("ja")
    assert "Hvilket sprog" in said
    assert profile(app).consent_state == "given" and count(app, Reflection) == 0


async def test_typed_nej_tak_at_consent_is_a_no(app, person):
    inger = person("inger")
    await inger.say("/start")
    said = await inger.say("Nej tak")
    assert "helt i orden" in said
    assert profile(app).consent_state == "refused"


async def test_what_does_consent_mean_gets_two_plain_lines(app, person):
    inger = person("inger")
    await inger.say("/start")
    said = await inger.say("hvad betyder samtykke")
    assert "Samtykke betyder" in said and "ikke givet samtykke" not in said
    assert len([line for line in said.splitlines() if line.strip() and not line.lstrip()[0].isdigit()]) <= 3
    assert "Ja, jeg giver samtykke" in inger.labels
    await inger.press("Ja, jeg giver")
    assert profile(app).consent_state == "given"


async def test_english_please_switches_the_language_at_consent(app, person):
    ahmad = person("ahmad")
    await ahmad.say("/start")
    said = await ahmad.say("english please")
    assert "May I keep what you write" in said and "Yes, I consent" in ahmad.labels
    said = await ahmad.say("what does consent mean?")
    assert "Consent means" in said
    said = await ahmad.say("yes")
    assert "Which language" in said
    with app.sessions() as s:
        assert s.scalars(select(Consent)).one().language == "en"


async def test_typed_age_is_read_back_and_confirmed_not_stored(app, person):
    inger = person("inger")
    await inger.say("/start")
    await inger.press("Ja, jeg giver")
    await inger.say("dansk")
    said = await inger.say("78")
    assert "65–79 – passer det?" in said and inger.labels == ["Ja", "Nej"]
    said = await inger.say("ja")
    assert "kommune" in said
    assert profile(app).age_band == "65-79" and count(app, Reflection) == 0


async def test_typed_age_no_asks_again(app, person):
    inger = person("inger")
    await inger.say("/start")
    await inger.press("Ja, jeg giver")
    await inger.press("Dansk")
    await inger.say("jeg er 78 år")
    said = await inger.press("Nej")
    assert "Hvor gammel" in said and profile(app).age_band is None


async def test_jeg_er_14_takes_the_under_15_path(app, person):
    maja = person("maja")
    await maja.say("/start")
    await maja.press("Ja, jeg giver")
    await maja.press("Dansk")
    said = await maja.say("jeg er 14 🙈")
    assert "116 111" in said
    for model in (Participant, Consent, Reflection):
        assert count(app, model) == 0


async def test_other_text_at_a_question_points_to_the_buttons_and_is_not_stored(app, person):
    inger = person("inger")
    await inger.say("/start")
    await inger.press("Ja, jeg giver")
    await inger.press("Dansk")
    said = await inger.say("ved ikke")
    assert "Tryk på en af knapperne" in said and "Hvor gammel" in said
    await inger.press("80+")
    await inger.say("Vejle")
    said = await inger.say("hmm")
    assert "Tryk på en af knapperne" in said and "citere" in said
    said = await inger.say("nej")
    assert "så er du med" in said
    assert profile(app).quote_default is False and count(app, Reflection) == 0


async def test_a_first_message_in_english_is_answered_in_english_and_names_the_languages(app, person):
    ahmad = person("ahmad", lang_hint="da")
    said = await ahmad.say("Hi, I am new in Odense and looking for something to do in the evenings")
    assert "I speak Danish and English" in said and "/start" in said and "English" in said
    assert count(app, Participant) == 0 and count(app, Reflection) == 0


async def test_nej_at_the_municipality_question_skips_it(app, person):
    inger = person("inger")
    await inger.say("/start")
    await inger.say("ja")
    await inger.say("dansk")
    await inger.press("80+")
    said = await inger.say("nej")
    assert "citere" in said and "kunne ikke finde" not in said
    assert profile(app).municipality is None and count(app, Reflection) == 0


async def test_an_app_in_neither_danish_nor_english_gets_the_first_screen_in_english(person):
    olena = person("olena", lang_hint="uk")
    said = await olena.say("/start")
    assert "I am a chat bot" in said and "Yes, I consent" in olena.labels and "Dansk" in olena.labels
    norwegian = person("kari", lang_hint="nb")
    assert "Ja, jeg giver samtykke" in (await norwegian.say("/start") and norwegian.labels)
