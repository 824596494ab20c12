"""Every command answers in Danish and English; unknown commands and bad input get clear answers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import FEATURES
from handlers.core.context import Registry

registry = Registry.assemble(FEATURES)
from storage.models import Participant, Reflection

EXPECT = {
    "help": ("/forget", "/forget"),
    "privacy": ("GDPR", "GDPR"),
    "mydata": ("Det har vi gemt", "This is what we hold"),
    "forget": ("kan ikke fortrydes", "cannot be undone"),
    "withdraw": ("trække dit samtykke", "withdraw your consent"),
    "language": ("Vælg sprog", "Choose a language"),
    "settings": ("Dine indstillinger", "Your settings"),
    "start": ("Velkommen tilbage", "Welcome back"),
    # A way to a human (handlers/info.py): the partners' contacts.
    "human": ("Livslinien", "Livslinien"),
    "menneske": ("et menneske", "a human"),
    # Campaign prompts (handlers/campaigns.py).
    "prompts": ("Spørgsmål fra Samtale", "Questions from Samtale"),
    "pause": ("intet at holde pause med", "nothing to pause"),
    "resume": ("Du får spørgsmål igen", "You will get questions again"),
    # Local events (handlers/events/); /newevent is for organisers only.
    "events": ("arrangementer i Aarhus", "events in Aarhus"),
    "myevents": ("ikke tilmeldt noget arrangement", "not signed up for any events"),
    "newevent": ("ikke for dig", "not available to you"),
    "organiser": ("arrangørkode", "organiser code"),
    # The loneliness check-in (handlers/checkins.py): too soon right after joining.
    "checkin": ("7 dage", "7 days"),
    # Facilitators only (handlers/facilitator.py); tests/handlers/test_roles.py runs them as every role.
    "stats": ("ikke for dig", "not available to you"),
    "digest": ("ikke for dig", "not available to you"),
    "export": ("ikke for dig", "not available to you"),
    "hide": ("ikke for dig", "not available to you"),
    "unhide": ("ikke for dig", "not available to you"),
    "plan": ("ikke for dig", "not available to you"),
    # Results of the prompts one answered (handlers/summaries.py); /local for organisers (local_results.py).
    "results": ("ikke svaret på nogen", "not answered any"),
    "svar": ("ikke svaret på nogen", "not answered any"),
    "local": ("ikke for dig", "not available to you"),
    "dashboard": ("partnerskabets medarbejdere", "partnership's staff"),
    "stem": ("svaret på alle udsagn", "answered every statement"),
    "vote": ("svaret på alle udsagn", "answered every statement"),
    "moderate": ("ikke for dig", "not available to you"),
    # The directory of communities (handlers/directory.py), in the person's own municipality.
    "faellesskaber": ("Fællesskaber og tilbud for Aarhus", "Communities and offers for Aarhus"),
    "communities": ("Fællesskaber og tilbud for Aarhus", "Communities and offers for Aarhus"),
}


def test_every_registered_command_is_tested():
    assert set(registry.commands) == set(EXPECT)


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("command", sorted(EXPECT))
async def test_command_in_both_languages(person, command, lang):
    anna = person("anna", lang_hint=lang)
    await anna.onboard(lang=lang)
    said = await anna.say(f"/{command}")
    assert EXPECT[command][0 if lang == "da" else 1] in said


async def test_language_switch(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("/language")
    said = await anna.press("English")
    assert "now English" in said
    said = await anna.say("/help")
    assert "how to use me" in said


async def test_settings_change_age_municipality_quote(app, person):
    anna = person()
    await anna.onboard(quote=False)
    await anna.say("/settings")
    await anna.press("Aldersgruppe")
    said = await anna.press("80+")
    assert "Gemt" in said and "80+" in said
    await anna.press("Kommune")
    said = await anna.say("Aalborg")
    assert "Aalborg (Region Nordjylland)" in said
    said = await anna.press("Citering")
    assert "må citeres anonymt" in said
    with app.sessions() as s:
        p = s.scalars(select(Participant)).one()
        assert (p.age_band, p.municipality, p.quote_default) == ("80+", "Aalborg", True)


async def test_settings_under_15_erases(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("/settings")
    await anna.press("Aldersgruppe")
    await anna.press("Under 15")
    said = await anna.press("Ja, jeg er under 15")
    assert "116 111" in said
    with app.sessions() as s:
        assert s.scalars(select(Participant)).all() == []


async def test_settings_need_consent(person):
    anna = person()
    said = await anna.say("/settings")
    assert "samtykke" in said


async def test_unknown_command(person):
    said = await person().say("/dansemus")
    assert "kender jeg ikke: /dansemus" in said and "/help" in said


async def test_unknown_command_in_english(person):
    said = await person("en", lang_hint="en").say("/frobnicate now")
    assert "I don't know that command: /frobnicate" in said


async def test_empty_message(app, person):
    anna = person()
    await anna.onboard()
    said = await anna.say("   ")
    assert "tom" in said
    with app.sessions() as s:
        assert s.scalars(select(Reflection)).all() == []


async def test_huge_message_refused_with_note_not_truncated(app, person):
    anna = person()
    await anna.onboard()
    said = await anna.say("ensom " * 1667)  # ~10,000 characters
    assert "10.002 tegn" in said and "Intet er gemt" in said
    with app.sessions() as s:
        assert s.scalars(select(Reflection)).all() == []


async def test_control_characters_are_removed_and_text_kept(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("Hej\x00 med\x1b[31m dig\x07\u200b")
    with app.sessions() as s:
        [r] = s.scalars(select(Reflection)).all()
    assert r.text == "Hej med[31m dig"


async def test_only_control_characters_is_empty(person):
    anna = person()
    await anna.onboard()
    assert "tom" in await anna.say("\x00\x01\x02")


async def test_stale_button_from_an_ended_flow(person):
    anna = person()
    await anna.onboard()
    await anna.press("Nej tak")  # the question about prompts, asked once after onboarding
    said = await anna.say("1")  # the last keyboard (that question) is spent
    assert "ikke aktiv" in said


async def test_forged_or_mangled_button_payloads(app):
    from tests.support.people import incoming

    for action in ["onb", "onb:zz", "onb:zz:yes", "r:u:abc", "r:u:999999", "fg:", "st:x:age:99", "zz:1", ":::",
                   "lg:xx", "wd:1:2:3:4"]:
        out = await app.dispatcher.handle(incoming(action=action))
        assert out, action
        assert all("gik galt" not in getattr(i, "text", "") for i in out), action
