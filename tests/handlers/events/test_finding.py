"""Finding events, the deep link through onboarding, names on lists, and what /forget does to events."""
from __future__ import annotations

from sqlalchemy import func, select

from handlers.events.reminders import events_tick
from storage.event_models import Event, EventProfile, EventReminder, OrganiserMembership, Signup
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import (become_organiser, notices, participant_id, press, seed_event, seed_people,
                                  texts)


def count(app, model, *where) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


async def test_events_in_my_municipality_in_time_order_with_online_and_paging(app, person, clock):
    for i in range(6):
        seed_event(app, clock(), title=f"Aarhus {i}", days=6 - i)
    seed_event(app, clock(), title="Odense-café", municipality="Odense", org="Ældre Sagen Odense")
    seed_event(app, clock(), title="Online-snak", municipality="Odense", org="Ældre Sagen Odense", online=True,
               days=0.5)
    anna = person("anna")
    await anna.onboard()
    said = await anna.say("/events")
    assert "Det sker snart i Aarhus" in said and "Odense-café" not in said
    titles = [line.split(" ", 1)[1] for line in said.splitlines() if line.startswith("📅")]
    assert titles == ["Online-snak", "Aarhus 5", "Aarhus 4", "Aarhus 3", "Aarhus 2"]
    said = await anna.press("Vis flere")
    assert "Aarhus 1" in said and "Aarhus 0" in said and "Vis flere" not in anna.labels
    said = await anna.say("/events odense kommune")
    assert "Odense-café" in said and "Aarhus 0" not in said


async def test_events_for_unknown_or_misspelt_municipalities(app, person, clock):
    seed_event(app, clock(), municipality="Frederiksberg", org="Røde Kors Frederiksberg")
    anna = person("anna")
    await anna.onboard(municipality=None)
    assert "Hvilken kommune" in await anna.say("/events")
    assert "ingen kommende arrangementer i Odense" in await anna.say("/events Odnse")  # forgiving
    said = await anna.say("/events Frederiks")
    assert "Mente du" in said and "Frederiksberg" in anna.labels
    said = await anna.press("Frederiksberg")
    assert "Fællesspisning" in said
    assert "kunne ikke finde en kommune" in await anna.say("/events Atlantis")
    assert "ingen kommende arrangementer i Aarhus" in await anna.say("/events Aarhus")
    bob = person("bob", lang_hint="en")
    await bob.onboard(lang="en")
    assert "no upcoming events in Aarhus" in await bob.say("/events")


async def test_deep_link_for_someone_new_leads_through_onboarding_back_to_the_event(app, person, clock):
    event_id = seed_event(app, clock(), capacity=5)
    new = person("nina")
    said = await new.say(f"/start ev_{event_id}")
    assert "Fællesspisning" in said and "Vil du melde dig til?" in said
    assert "Ja, jeg giver samtykke" in new.labels  # the consent question is the one to answer now
    await new.press("Ja, jeg giver samtykke")
    await new.press("Dansk")
    await new.press("30–49")
    await new.say("Aarhus")
    said = await new.press("Ja, anonymt")
    assert "så er du med" in said and said.count("Fællesspisning") == 1 and "Tilmeld mig" in new.labels
    said = await new.press("Tilmeld mig")
    assert "du er tilmeldt" in said


async def test_deep_links_to_missing_cancelled_and_mangled_events(app, person, clock):
    anna = person("anna")
    await anna.onboard()
    assert "findes ikke længere" in await anna.say("/start ev_999")
    said = await anna.say("/start ev_x")
    assert "Velkommen tilbage" in said
    cancelled = seed_event(app, clock())
    with app.sessions() as s:
        s.get(Event, cancelled).status = "cancelled"
        s.commit()
    assert "findes ikke længere" in await anna.say(f"/start ev_{cancelled}")
    # Someone new with a dead link still gets the welcome and the consent question.
    nina = person("nina")
    said = await nina.say("/start ev_999")
    assert "findes ikke længere" in said and "Ja, jeg giver samtykke" in nina.labels


async def test_name_question_typed_text_and_change_later(app, person, clock):
    event_id = seed_event(app, clock())
    other = seed_event(app, clock(), title="Korsang")
    anna = person("anna")
    await anna.onboard()
    await anna.say(f"/start ev_{event_id}")
    said = await anna.press("Tilmeld mig")
    assert "Hvilket navn" in said
    said = await anna.say("Nu tænker jeg på, hvor dejligt det bliver at møde nogen igen efter så lang tid")
    assert "gemt" in said  # not a name: kept as a reflection, no name set
    with app.sessions() as s:
        assert s.scalars(select(EventProfile)).all() == []
    await anna.say(f"/start ev_{other}")
    said = await anna.press("Tilmeld mig")
    assert "Hvilket navn" in said  # asked again next time, since nothing was chosen
    said = await anna.say("Anna")
    assert "arrangøren ser »Anna«" in said
    said = await anna.say("/myevents")
    assert "Du er tilmeldt 2 arrangement(er)" in said and "Dit navn på deltagerlister: Anna" in said
    await anna.say("/myevents")
    assert "Skift navn" not in anna.labels  # the last keyboard is the last card's


async def test_forget_removes_sign_ups_and_the_freed_seat_goes_to_the_next_in_line(app, person, clock):
    event_id = seed_event(app, clock(), capacity=1)
    anna = person("anna")
    await anna.onboard()
    await anna.say(f"/start ev_{event_id}")
    await anna.press("Tilmeld mig")
    await anna.press("Brug »anna«")
    b, = seed_people(app, 1)
    await press(app, b, f"ev:s:{event_id}")
    await anna.say("/forget")
    await anna.press("Ja, slet alt")
    assert count(app, Signup) == 1 and count(app, EventProfile) == 0
    assert count(app, EventReminder) == 0
    # The periodic tick gives the seat to b and tells them.
    assert events_tick(app, clock())["promoted"] == 1
    [promo] = notices(app, "ev-promoted")
    assert promo.participant_id == participant_id(app, b)
    assert events_tick(app, clock())["promoted"] == 0


async def test_an_organisers_events_outlive_their_erasure(app, person, clock):
    olga = person("olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    await olga.say("/newevent")
    for step in ("Strikkecafé", None, "5/12 kl. 14"):
        await (olga.press("Spring over") if step is None else olga.say(step))
    await olga.press("Ja, det passer")
    for step in ("2", "Biblioteket", "Aarhus", "10"):
        await olga.say(step)
    for button in ("Dansk", "For alle", "Spring over", "Nej", "Offentliggør"):
        await olga.press(button)
    a, = seed_people(app, 1)
    await press(app, a, "ev:s:1")
    await olga.say("/forget")
    await olga.press("Ja, slet alt")
    with app.sessions() as s:
        event = s.get(Event, 1)
        assert event.created_by is None and event.status == "open"
        assert s.scalars(select(OrganiserMembership)).all() == []
    assert count(app, Signup) == 1
    # Another organiser of the same organisation manages it now.
    per = person("per")
    await per.onboard()
    await become_organiser(app, per, clock=clock)
    said = await per.say("/myevents")
    assert "Strikkecafé" in said and "1 af 10 pladser" in said


async def test_myevents_for_someone_new(app, person):
    stranger = person("stranger")
    assert "ikke tilmeldt noget" in await stranger.say("/myevents")


async def test_card_in_a_group_does_not_tell_who_is_coming(app, clock):
    event_id = seed_event(app, clock())
    a, = seed_people(app, 1)
    await press(app, a, f"ev:s:{event_id}")
    out = texts(await press(app, a, f"ev:v:{event_id}", chat_type="group"))
    assert "Fællesspisning" in out and "Du er tilmeldt" not in out


async def test_personal_data_lists_everything_events_hold_about_someone(app, person, clock):
    import json

    from handlers.events.personal import personal_data
    from storage.models import Participant

    event_id = seed_event(app, clock(), capacity=1)
    anna = person("anna")
    await anna.onboard()
    await become_organiser(app, anna, clock=clock)
    await anna.say(f"/start ev_{event_id}")
    await anna.press("Tilmeld mig")
    await anna.say("Anna")
    with app.sessions() as s:
        data = personal_data(s, s.scalars(select(Participant).where(Participant.external_id == "anna")).one())
    json.dumps(data)
    assert data["display_name"] == "Anna" and data["organiser_for"][0]["organisation"] == "Røde Kors Aarhus"
    [signup] = data["signups"]
    assert signup["status"] == "confirmed" and signup["title"] == "Fællesspisning"
    assert [r["kind"] for r in data["reminders_pending"]] == ["24h", "2h"]


async def test_a_name_question_left_unanswered_does_not_take_later_text(app, person, clock):
    event_id = seed_event(app, clock())
    anna = person("anna")
    await anna.onboard()
    await anna.say(f"/start ev_{event_id}")
    await anna.press("Tilmeld mig")
    clock.advance(hours=2)
    said = await anna.say("Jeg er lidt ensom")
    assert "gemt" in said
    with app.sessions() as s:
        assert s.scalars(select(EventProfile)).all() == []
