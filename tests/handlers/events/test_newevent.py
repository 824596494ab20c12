"""/newevent: the guided flow in Danish and English, every validation message, back, cancel, restart."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import build_app
from storage.event_models import Event
from tests.support.people import Person
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import become_organiser, press, texts


def events(app) -> list[Event]:
    with app.sessions() as s:
        return list(s.scalars(select(Event).order_by(Event.id)))


async def organiser(app, person, clock, name="olga", lang="da") -> Person:
    p = person(name, lang_hint=lang)
    await p.onboard(lang=lang)
    await become_organiser(app, p, clock=clock)
    return p


async def test_full_flow_in_danish(app, person, clock):
    olga = await organiser(app, person, clock)
    said = await olga.say("/newevent")
    assert "én ting ad gangen" in said and "Hvad hedder arrangementet" in said
    assert olga.labels == ["Annullér"]
    said = await olga.say("Fællesspisning i Medborgerhuset")
    assert "Fortæl kort om »Fællesspisning i Medborgerhuset«" in said
    said = await olga.say("Vi laver mad sammen og spiser ved lange borde.")
    assert "Hvornår begynder det?" in said
    said = await olga.say("5/12 kl. 14")
    assert "Så begynder det lørdag den 5. december kl. 14.00. Passer det?" in said
    said = await olga.press("Ja, det passer")
    assert "Hvor længe varer det?" in said and "2 timer" in olga.labels
    said = await olga.say("2 timer")
    assert "Hvor foregår det?" in said
    said = await olga.say("Medborgerhuset, Vestergade 12")
    assert "Hvilken kommune" in said and "Aarhus" in olga.labels
    said = await olga.press("Aarhus")
    assert "Hvor mange kan være med?" in said
    said = await olga.say("20")
    assert "Hvilket sprog" in said
    said = await olga.press("Dansk")
    assert "Hvem er det for?" in said
    said = await olga.press("Ældre")
    assert "tilgængelighed" in said
    said = await olga.say("Trinfri adgang")
    assert "tage en ven med" in said
    said = await olga.press("Ja")
    assert "Sådan ser dit arrangement ud" in said and "Pladser: 20" in said and "For: Ældre" in said
    assert "Tidspunkt: lørdag den 5. december kl. 14.00" in said and "Varighed: 2 timer" in said
    publish = next(b.action for b in olga.console.choices if b.label == "Offentliggør")
    said = await olga.press("Offentliggør")
    assert "offentliggjort" in said and "ev_1" in said
    assert "0 af 20 pladser" in said and "lørdag den 5. december kl. 14.00–16.00" in said
    # Publish pressed twice (a double tap, a redelivered update): one event.
    assert "ikke aktiv" in texts(await press(app, "olga", publish))
    [event] = events(app)
    assert (event.title, event.capacity, event.audience, event.plus_one, event.accessibility, event.municipality,
            event.duration_minutes, event.online) == ("Fællesspisning i Medborgerhuset", 20, "older", True,
                                                      "Trinfri adgang", "Aarhus", 120, False)
    assert event.starts_at.replace(tzinfo=None).isoformat().startswith("2026-12-05T13:00")


async def test_full_flow_in_english_with_skips_online_and_no_limit(app, person, clock):
    ed = await organiser(app, person, clock, name="ed", lang="en")
    said = await ed.say("/newevent")
    assert "What is the event called?" in said
    await ed.say("Online coffee")
    said = await ed.press("Skip")
    assert "When does it start?" in said
    said = await ed.say("tomorrow at 10")
    assert "So it starts Saturday 28 November at 10:00. Is that right?" in said
    await ed.press("Yes, that's right")
    await ed.press("1 hour")
    said = await ed.press("Online")
    assert "What is the link people use to join?" in said
    said = await ed.say("http://meet.example.org/coffee")
    assert "The link must begin with https://" in said and "What is the link" in said
    said = await ed.say("https://meet.jit.si/online-coffee")
    assert "Which municipality" in said
    said = await ed.say("københavn")
    assert "How many can take part?" in said
    said = await ed.press("No limit")
    await ed.say("Arabic and Danish")
    await ed.press("For everyone")
    await ed.press("Skip")
    said = await ed.say("no")
    assert "Places: No limit" in said and "Language: Arabic and Danish" in said and "Description: –" in said
    assert "Link to join: https://meet.jit.si/online-coffee" in said
    said = await ed.press("Publish")
    assert "Your event is published" in said and "💻 Online: Online" in said
    assert "there is room for everyone" in said
    [event] = events(app)
    assert event.online and event.capacity is None and event.municipality == "København"
    assert event.language == "Arabic and Danish" and not event.plus_one
    assert event.join_url == "https://meet.jit.si/online-coffee" and event.place == "Online"


@pytest.mark.parametrize("lang", ["da", "en"])
async def test_every_validation_message(app, person, clock, lang):
    p = await organiser(app, person, clock, name=f"v{lang}", lang=lang)
    da = lang == "da"
    await p.say("/newevent")
    for typed, expected in [("   ", "Titlen mangler" if da else "The title is missing"),
                            ("ab", "mindst 3 tegn" if da else "at least 3 characters"),
                            ("x" * 81, "81 tegn" if da else "81 characters")]:
        said = await p.say(typed)
        assert expected in said, (typed, said)
        assert ("Hvad hedder" if da else "What is the event called") in said  # the question again
    await p.say("Gåtur ved søen")
    said = await p.say("y" * 1001)
    assert ("1001 tegn" if da else "1001 characters") in said
    await p.press("Spring over" if da else "Skip")
    cases = [
        ("", None),  # an empty message is not even sent by platforms; skip
        ("5/12", "klokkeslættet" if da else "The time is missing"),
        ("kl 14", "datoen" if da else "The date is missing"),
        ("31/2 kl 14", "findes ikke i kalenderen" if da else "does not exist in the calendar"),
        ("5/12 kl 25", "0–23" if da else "0–23"),
        ("i dag kl 9", "allerede gået" if da else "already passed"),
        ("2030-01-01 10:00", "to år" if da else "two years"),
        ("2027-03-28 02:30", "sommertid" if da else "summer time"),
        ("fredag 5/12 kl 14", "passer ikke sammen" if da else "do not match"),
        ("på torsdag hos Anna", "kunne jeg ikke læse" if da else "could not read"),
    ]
    for typed, expected in cases:
        if expected is None:
            continue
        said = await p.say(typed)
        assert expected in said, (typed, said)
        assert "5/12" in said  # an example is always there
    await p.say("5/12 kl. 14")
    said = await p.press("Nej" if da else "No, I'll")
    assert ("Hvornår begynder det" if da else "When does it start") in said
    await p.say("5/12 kl. 14")
    await p.press("Ja, det passer" if da else "Yes, that's right")
    for typed, expected in [("lidt", "varighed" if da else "duration"),
                            ("5 min", "mindst et kvarter" if da else "at least a quarter"),
                            ("30 timer", "et døgn" if da else "than a day")]:
        said = await p.say(typed)
        assert expected in said, (typed, said)
    await p.say("90 min")
    for typed, expected in [("x", "adresse" if da else "address"), ("z" * 201, "201 tegn" if da else "201 char")]:
        said = await p.say(typed)
        assert expected in said, (typed, said)
    await p.say("Søbadet, Strandvejen 1")
    said = await p.say("Narnia")
    assert ("»Narnia«" if da else '"Narnia"') in said
    said = await p.say("Århus")
    for typed, expected in [("mange", "som et tal" if da else "as digits"), ("0", "mindst én" if da else "at least one"),
                            ("-5", "mindst én" if da else "at least one"),
                            ("1000000", "flere end 5000" if da else "more than 5000")]:
        said = await p.say(typed)
        assert expected in said, (typed, said)
    await p.say("12")
    said = await p.say("q" * 41)
    assert "40" in said
    await p.say("dansk" if da else "english")
    said = await p.say("alle")
    assert ("Tryk gerne på en af knapperne" if da else "Please press one of the buttons") in said
    await p.press("For alle" if da else "For everyone")
    said = await p.say("w" * 301)
    assert ("301 tegn" if da else "301 characters") in said
    await p.say("Der er trapper" if da else "There are stairs")
    said = await p.say("måske")
    assert ("ja eller nej" if da else "yes or no") in said
    said = await p.say("ja" if da else "yes")
    said = await p.say("klar til udgivelse")
    assert ("Tryk gerne" if da else "Please press") in said
    await p.press("Offentliggør" if da else "Publish")
    [event] = events(app)
    assert (event.capacity, event.duration_minutes, event.municipality, event.language, event.plus_one) == \
           (12, 90, "Aarhus", "da" if da else "en", True)


async def test_back_goes_to_the_previous_question_and_keeps_answers(app, person, clock):
    olga = await organiser(app, person, clock)
    await olga.say("/newevent")
    await olga.say("Korsang")
    said = await olga.press("Tilbage")
    assert "Hvad hedder arrangementet" in said
    await olga.say("Korsang for alle")
    await olga.press("Spring over")
    await olga.say("lørdag kl 14")
    await olga.press("Ja, det passer")
    said = await olga.press("Tilbage")  # from duration back to the start time (not the read-back)
    assert "Hvornår begynder det" in said
    # A button from an older question does nothing to the current one.
    olga.console.choices = [type(olga.console.choices[0])("old", olga.console.choices[0].action.replace(
        ":start:", ":dur:"))]
    said = await olga.say("a")  # lettered: this question also takes a typed answer
    assert "ikke aktiv længere" in said


async def test_cancel_creates_nothing(app, person, clock):
    olga = await organiser(app, person, clock)
    await olga.say("/newevent")
    await olga.say("Strikkeklub")
    said = await olga.press("Annullér")
    assert "intet er oprettet" in said and events(app) == []
    said = await olga.say("Nu skriver jeg noget andet")
    assert "gemt" in said  # free text is a reflection again, not a description


async def test_the_flow_survives_a_restart(app, person, clock, tmp_path):
    olga = await organiser(app, person, clock)
    await olga.say("/newevent")
    await olga.say("Brætspilsaften")
    await olga.press("Spring over")
    await olga.say("5/12 kl. 19")
    # The bot restarts: a new program over the same database file.
    app.engine.dispose()
    again = build_app(app.settings, clock=clock)
    again.dispatcher.flood.limits = app.dispatcher.flood.limits
    olga2 = Person(again, "olga")
    olga2.console.choices, olga2.console.keys = olga.console.choices, olga.console.keys
    said = await olga2.press("Ja, det passer")
    assert "Hvor længe varer det?" in said
    for step in ("2 timer", "Biblioteket, Mølleparken 1", "Aarhus", "8"):
        await olga2.say(step)
    await olga2.press("Dansk")
    await olga2.press("Unge")
    await olga2.press("Spring over")
    await olga2.press("Nej")
    await olga2.press("Offentliggør")
    [event] = events(again)
    assert event.title == "Brætspilsaften" and event.capacity == 8
    again.engine.dispose()


async def test_citizens_cannot_create(app, person, clock):
    anna = person("anna")
    await anna.onboard()
    said = await anna.say("/newevent")
    assert "ikke for dig" in said
    # Nor by pressing a hand-made flow button.
    from tests.support.events import press, texts

    out = texts(await press(app, "anna", "evn:abcdef:review:ok"))
    assert "ikke aktiv" in out and events(app) == []


async def test_an_organiser_with_two_organisations_chooses(app, person, clock):
    olga = await organiser(app, person, clock)
    await become_organiser(app, olga, org="Ældre Sagen Aarhus", clock=clock)
    said = await olga.say("/newevent")
    assert "Hvilken organisation" in said and "Ældre Sagen Aarhus" in olga.labels
    said = await olga.say("Ældre Sagen")
    assert "Tryk gerne" in said
    said = await olga.press("Ældre Sagen Aarhus")
    assert "Hvad hedder" in said


async def test_revoked_meanwhile_means_not_published(app, person, clock):
    from handlers.events.invites import revoke
    from storage.event_models import OrganiserInvite

    olga = await organiser(app, person, clock)
    await olga.say("/newevent")
    for step in ("Foredrag", None, "5/12 kl. 14"):
        if step is None:
            await olga.press("Spring over")
        else:
            await olga.say(step)
    await olga.press("Ja, det passer")
    for step in ("2", "Biblioteket", "Aarhus", "30"):
        await olga.say(step)
    await olga.press("Dansk")
    await olga.press("Voksne")
    await olga.press("Spring over")
    await olga.press("Nej")
    with app.sessions() as s:
        invite = s.scalars(select(OrganiserInvite)).one()
        revoke(s, invite, clock())
        s.commit()
    said = await olga.press("Offentliggør")
    assert "ikke længere arrangør" in said or "ikke for dig" in said
    assert events(app) == []


async def test_a_draft_left_for_a_day_does_not_swallow_later_text(app, person, clock):
    olga = await organiser(app, person, clock)
    await olga.say("/newevent")
    await olga.say("Sangaften")
    clock.advance(hours=25)
    said = await olga.say("Jeg har haft en stille uge")
    assert "lagt til side" in said and "gemt" in said
    assert events(app) == []


async def test_typing_what_a_button_says_works_after_the_console_restarts(app, person, clock):
    # A console restarted mid-flow has no buttons on screen, and people type labels anyway:
    # a typed audience and "Offentliggør" count as the press; anything else asks again.
    olga = await organiser(app, person, clock)
    for line in ("/newevent", "Strikkecafé", "Vi strikker og drikker kaffe.", "5/12 kl. 14"):
        await olga.say(line)
    assert "Hvor længe varer det?" in await Person(app, "olga").say("ja")
    for line in ("2 timer", "Biblioteket, Mølleparken 1", "Aarhus", "12", "dansk"):
        await olga.say(line)
    restarted = Person(app, "olga")
    assert "Tryk gerne på en af knapperne" in await restarted.say("nogle")
    said = await restarted.say("  ÆLDRE ")
    assert "tilgængelighed" in said
    await restarted.say("Trinfri adgang")
    said = await restarted.say("nej")
    assert "For: Ældre" in said
    said = await Person(app, "olga").say("offentliggør")
    assert "offentliggjort" in said
    [event] = events(app)
    assert (event.title, event.audience, event.capacity, event.plus_one) == ("Strikkecafé", "older", 12, False)
