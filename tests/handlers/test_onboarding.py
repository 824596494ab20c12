"""Onboarding: consent, language, age band, municipality, quoting; refusal and under-15 respected."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Consent, Contact, Participant, Reflection


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_start_says_it_is_a_bot_and_asks_consent(person):
    anna = person()
    said = await anna.say("/start")
    assert "chatbot" in said and "Må jeg gemme det, du skriver" in said
    assert anna.labels == ["Ja, jeg giver samtykke", "Nej tak", "Læs mere", "English"]


async def test_start_in_english_from_platform_hint(person):
    bob = person("bob", lang_hint="en-GB")
    said = await bob.say("/start")
    assert "I am a chat bot" in said and "Yes, I consent" in bob.labels


async def test_full_onboarding_stores_consent_text_version_and_profile(app, person, clock):
    anna = person()
    await anna.say("/start")
    said = await anna.press("Ja, jeg giver")
    assert "Hvilket sprog" in said
    said = await anna.press("Dansk")
    assert "Hvor gammel" in said
    said = await anna.press("65–79")
    assert "kommune" in said
    said = await anna.say("aarhus kommune")
    assert "Aarhus (Region Midtjylland)" in said and "citere" in said
    said = await anna.press("Ja, anonymt")
    assert "så er du med" in said
    with app.sessions() as s:
        p = s.scalars(select(Participant)).one()
        assert (p.language, p.age_band, p.municipality, p.region, p.quote_default, p.onboarded) == \
               ("da", "65-79", "Aarhus", "Region Midtjylland", True, True)
        consent = s.scalars(select(Consent)).one()
        assert consent.granted and consent.version == "1" and consent.decided_at is not None
        # The three lines answered, and the details behind "Læs mere", with the consent's version.
        assert "Må jeg gemme det, du skriver" in consent.text and "samtykke version 1" in consent.text
        assert consent.purpose == "reflections"
        assert s.scalars(select(Contact)).one().chat_id == "anna"
    said = await anna.say("/start")
    assert "Velkommen tilbage" in said


async def test_onboarding_in_english_with_switch_and_skips(app, person):
    anna = person()
    await anna.say("/start")
    said = await anna.press("English")
    assert "Yes, I consent" in anna.labels and "May I keep what you write" in said
    await anna.press("Yes, I consent")
    await anna.press("English")
    said = await anna.press("Prefer not to say")
    assert "municipality" in said
    await anna.press("Prefer not to say")
    said = await anna.press("No, don't quote")
    assert "you are in" in said
    with app.sessions() as s:
        p = s.scalars(select(Participant)).one()
        assert (p.language, p.age_band, p.municipality, p.quote_default) == ("en", None, None, False)
        assert s.scalars(select(Consent)).one().language == "en"


async def test_privacy_notice_from_consent_screen_keeps_the_question_open(person):
    anna = person()
    await anna.say("/start")
    said = await anna.press("Læs mere")
    assert "art. 9" in said and "Ja, jeg giver samtykke" in anna.labels


async def test_consent_refused_stores_nothing_written(app, person):
    anna = person()
    await anna.say("/start")
    said = await anna.press("Nej tak")
    assert "gemmer intet" in said
    said = await anna.say("Jeg er så ensom")
    assert "ikke har givet samtykke" in said
    assert count(app, Reflection) == 0
    with app.sessions() as s:
        assert s.scalars(select(Participant)).one().consent_state == "refused"
        assert not s.scalars(select(Consent)).one().granted


async def test_text_before_start_is_not_stored_and_gets_help(app, person):
    said = await person().say("Hej, hvem er du?")
    assert "chatbot" in said and "/start" in said and "ikke gemt" in said
    assert count(app, Reflection) == 0 and count(app, Participant) == 0


async def test_text_while_consent_is_pending_is_not_stored(app, person):
    anna = person()
    await anna.say("/start")
    said = await anna.say("Jeg vil bare skrive noget")
    assert "ikke har givet samtykke" in said and "Ja, jeg giver samtykke" in anna.labels
    assert count(app, Reflection) == 0


async def test_under_15_signposted_and_nothing_kept(app, person):
    kid = person("kid")
    await kid.say("/start")
    await kid.press("Ja, jeg giver")
    await kid.press("Dansk")
    said = await kid.press("Under 15")
    assert "116 111" in said and "BørneTelefonen" in said
    for model in (Participant, Consent, Contact, Reflection):
        assert count(app, model) == 0
    said = await kid.say("hallo?")
    assert "/start" in said
    assert count(app, Reflection) == 0


@pytest.mark.parametrize("typed, expected", [("Århus", "Aarhus"), ("KØBENHAVN", "København"),
                                             ("Høje Taastrup kommune", "Høje-Taastrup")])
async def test_municipality_forgiving(app, person, typed, expected):
    anna = person()
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    await anna.press("Dansk")
    await anna.press("30–49")
    said = await anna.say(typed)
    assert f"{expected} (Region" in said


async def test_unknown_municipality_asks_again_with_suggestions(app, person):
    anna = person()
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    await anna.press("Dansk")
    await anna.press("30–49")
    said = await anna.say("Xyzzyville")
    assert "kunne ikke finde" in said
    said = await anna.say("Odensee")
    assert "Odense" in said
    if "Mente du" in said:
        said = await anna.press("Odense")
    with app.sessions() as s:
        assert s.scalars(select(Participant)).one().municipality == "Odense"


async def test_text_typed_instead_of_a_button_after_consent_is_kept_and_question_repeated(app, person):
    anna = person()
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    said = await anna.say("Jeg har det svært om aftenen")
    assert "gemt" in said and "Hvilket sprog" in said
    assert count(app, Reflection) == 1


async def test_onboarding_survives_a_restart(tmp_path, clock):
    from tests.support.app import make_app
    from tests.support.people import Person

    url = f"sqlite:///{tmp_path / 'samtale.db'}"
    first = make_app(url, tmp_path, clock)
    anna = Person(first, "anna")
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    first.engine.dispose()
    second = make_app(url, tmp_path, clock)
    anna.console.dispatcher = second.dispatcher
    said = await anna.press("Dansk")
    assert "Hvor gammel" in said
    second.engine.dispose()


async def test_saying_no_after_consenting_is_a_withdrawal_and_keeps_what_was_written(app, person):
    anna = person()
    await anna.say("/start")
    await anna.press("Ja, jeg giver")
    await anna.say("Skrevet mens jeg havde givet samtykke")
    await anna.say("/start")  # onboarding was not finished, so the consent question comes again
    await anna.press("Nej tak")
    assert "ikke har givet samtykke" in await anna.say("Og nu en til")
    with app.sessions() as s:
        p = s.scalars(select(Participant)).one()
        assert p.consent_state == "withdrawn"
        assert s.scalars(select(Consent).where(Consent.granted)).one().withdrawn_at is not None
        assert len(s.scalars(select(Reflection)).all()) == 1
