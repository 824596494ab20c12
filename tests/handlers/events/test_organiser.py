"""Organisers: invite codes, rights, attendee lists with chosen names only, moving and cancelling kindly."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.events.invites import create_invite, find_invite, invite_state, redeem, revoke
from storage.db import writer
from storage.event_models import CANCELLED, Event, EventReminder, OrganiserMembership
from storage.models import Participant
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import (become_organiser, in_threads, make_code, notices, participant_id, press,
                                  seed_event, seed_people, texts)


async def onboarded(person, name: str, lang: str = "da"):
    p = person(name, lang_hint=lang)
    await p.onboard(lang=lang)
    return p


# ------------------------------------------------------------------------------------ invite codes

async def test_code_is_one_time_and_gives_the_role(app, person, clock):
    code = make_code(app, now=clock())
    olga, bo = await onboarded(person, "olga"), await onboarded(person, "bo")
    said = await olga.say(f"/organiser {code.lower()}")  # case and dashes do not matter
    assert "Velkommen som arrangør for Røde Kors Aarhus" in said
    assert "kode virker ikke" in await bo.say(f"/organiser {code}")
    assert "allerede arrangør" not in await olga.say(f"/organiser {code}")  # used: invalid, even for her
    with app.sessions() as s:
        roles = dict(s.execute(select(Participant.external_id, Participant.role)).all())
    assert roles["olga"] == "organiser" and roles["bo"] == "citizen"
    assert "Røde Kors Aarhus" in await olga.say("/organiser")


async def test_codes_in_english_and_without_consent(app, person, clock):
    ed = await onboarded(person, "ed", "en")
    assert "organiser code" in await ed.say("/organiser")
    assert "does not work" in await ed.say("/organiser NOPE")
    stranger = person("stranger")
    assert "/start" in await stranger.say(f"/organiser {make_code(app, now=clock())}")


async def test_expired_and_revoked_codes_do_not_work(app, person, clock):
    expired = make_code(app, now=clock() - timedelta(days=31))
    revoked = make_code(app, now=clock())
    with app.sessions() as s:
        invite = find_invite(s, revoked)
        assert invite_state(invite, clock()) == "open"
        assert "not been used" in revoke(s, invite, clock())
        s.commit()
    anna = await onboarded(person, "anna")
    assert "virker ikke" in await anna.say(f"/organiser {expired}")
    assert "virker ikke" in await anna.say(f"/organiser {revoked}")


async def test_revoking_a_used_code_takes_the_rights_back(app, person, clock):
    code = make_code(app, now=clock())
    olga = await onboarded(person, "olga")
    await olga.say(f"/organiser {code}")
    with app.sessions() as s:
        msg = revoke(s, find_invite(s, code), clock())
        s.commit()
    assert "taken back" in msg
    assert "ikke for dig" in await olga.say("/newevent")


async def test_one_code_typed_by_many_at_once_makes_one_organiser(app, clock):
    code = make_code(app, now=clock())
    users = seed_people(app, 12)
    # /organiser is a command; drive the storage function from threads the way two processes would.
    import threading

    outcomes: list[str] = []
    barrier = threading.Barrier(len(users))

    def go(user: str) -> None:
        barrier.wait()
        with writer(app.sessions()) as s:
            person = s.scalars(select(Participant).where(Participant.external_id == user)).one()
            outcomes.append(redeem(s, person, code, clock()).outcome)
            s.commit()

    threads = [threading.Thread(target=go, args=(u,)) for u in users]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(outcomes).count("ok") == 1 and outcomes.count("invalid") == 11
    with app.sessions() as s:
        assert len(s.scalars(select(OrganiserMembership)).all()) == 1


def test_bad_facilitator_input_is_refused(app, clock):
    from handlers.events.invites import InviteError

    with app.sessions() as s:
        with pytest.raises(InviteError, match="unknown municipality"):
            create_invite(s, "Røde Kors", "Atlantis", clock())
        create_invite(s, "Røde Kors Aarhus", "Aarhus", clock())
        with pytest.raises(InviteError, match="registered in Aarhus"):
            create_invite(s, "Røde Kors Aarhus", "Odense", clock())


# ------------------------------------------------------------------------------------ rights

async def test_citizen_cannot_see_attendees_or_use_tools(app, person, clock):
    event_id = seed_event(app, clock())
    anna = await onboarded(person, "anna")
    for op in ("a", "t", "p", "k", "x"):
        out = texts(await press(app, "anna", f"evo:{op}:{event_id}"))
        assert "kan jeg ikke finde" in out, op
    said = await anna.say("/myevents")
    assert "Deltagere" not in said


async def test_organiser_cannot_touch_another_organisations_event(app, person, clock):
    theirs = seed_event(app, clock(), org="Ældre Sagen Odense", municipality="Odense")
    mine = seed_event(app, clock(), org="Røde Kors Aarhus")
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    for op in ("a", "t", "p", "k", "x"):
        out = texts(await press(app, "olga", f"evo:{op}:{theirs}"))
        assert "kan jeg ikke finde" in out, op
    # Same answer as for an event that does not exist at all.
    assert texts(await press(app, "olga", "evo:a:999")) == texts(await press(app, "olga", f"evo:a:{theirs}"))
    assert "Deltagere i »Fællesspisning«" in texts(await press(app, "olga", f"evo:a:{mine}"))
    said = await olga.say("/myevents")
    assert said.count("Fællesspisning") == 1


async def test_a_facilitator_may_manage_any_event(app, person, clock, tmp_path):
    from bot.app import build_app
    from tests.support.people import Person

    event_id = seed_event(app, clock(), org="Ældre Sagen Odense", municipality="Odense")
    settings = app.settings.model_copy(update={"roles": app.settings.roles.model_copy(
        update={"facilitators": ["console:fia"]})})
    app.engine.dispose()
    fac_app = build_app(settings, clock=clock)
    fia = Person(fac_app, "fia")
    await fia.onboard()
    out = texts(await press(fac_app, "fia", f"evo:a:{event_id}"))
    assert "Deltagere i »Fællesspisning«" in out
    fac_app.engine.dispose()


# ------------------------------------------------------------------------------------ tools

async def test_attendee_list_shows_chosen_names_only(app, person, clock):
    event_id = seed_event(app, clock(), capacity=2, plus_one=True)
    anna = await onboarded(person, "anna")
    await anna.say(f"/start ev_{event_id}")
    await anna.press("Tilmeld mig")
    await anna.say("Anna B.")
    bo = await onboarded(person, "bo")
    await bo.say(f"/start ev_{event_id}")
    await bo.press("Tilmeld mig")
    await bo.press("Intet navn")
    cy = await onboarded(person, "cy")
    await cy.say(f"/start ev_{event_id}")
    await cy.press("Skriv mig på ventelisten")
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    said = await olga.press("Deltagere")
    assert "1. Anna B." in said and "2. Deltager uden navn" in said
    assert "Venteliste:\n1. Deltager uden navn" in said
    for secret in ("anna", "bo", "cy", "console"):
        assert f" {secret}" not in said.lower().replace("anna b.", "")


async def test_moving_an_event_tells_everyone_and_moves_reminders(app, person, clock):
    event_id = seed_event(app, clock(), capacity=1, days=5)
    a, b = seed_people(app, 2)
    en, = seed_people(app, 1, prefix="en", lang="en")
    await press(app, a, f"ev:s:{event_id}")
    await press(app, b, f"ev:s:{event_id}")
    await press(app, en, f"ev:s:{event_id}")
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    said = await olga.press("Flyt")
    assert "Hvornår skal det begynde i stedet" in said
    said = await olga.say("5/12-2020 kl 10")
    assert "allerede gået" in said and "5/12" in said
    said = await olga.say("5/12 kl 10")
    assert "Flyt »Fællesspisning« til lørdag den 5. december kl. 10.00? De 3" in said
    said = await olga.press("Ja, flyt det")
    assert "er flyttet. 3 har fået besked" in said
    moved = notices(app, "ev-changed")
    assert len(moved) == 3
    by = {n.participant_id: n.payload["text"] for n in moved}
    assert "fra onsdag den 2. december kl. 11.00 til lørdag den 5. december kl. 10.00" in by[participant_id(app, a)]
    assert "from Wednesday 2 December at 11:00 to Saturday 5 December at 10:00" in by[participant_id(app, en)]
    with app.sessions() as s:
        due = sorted(r.due_at.replace(tzinfo=None) for r in s.scalars(select(EventReminder)
                                                                        .where(EventReminder.sent_at.is_(None))))
    # For the new time: 24 h before (Fri 10:00) and 2 h before (Sat 08:00), in UTC; the old ones are gone.
    assert [d.isoformat() for d in due] == ["2026-12-04T09:00:00", "2026-12-05T07:00:00"]  # one confirmed


async def test_changing_place_and_capacity(app, person, clock):
    event_id = seed_event(app, clock(), capacity=2)
    users = seed_people(app, 3)
    for u in users:
        await press(app, u, f"ev:s:{event_id}")
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    said = await olga.press("Skift sted")
    assert "Medborgerhuset" in said
    said = await olga.say("x")
    assert "adresse" in said
    await olga.say("Kulturhuset, Torvet 3")
    said = await olga.press("Ja, skift stedet")
    assert "3 har fået besked" in said
    assert all("Kulturhuset, Torvet 3" in n.payload["text"] for n in notices(app, "ev-changed"))
    await olga.say("/myevents")
    await olga.press("Pladser")
    assert "mindst 2" in await olga.say("1 plads")
    assert "mindst én" in await olga.say("0")
    said = await olga.press("Ingen grænse")
    assert "Ingen grænse pladser. 1 er rykket op" in said
    [promo] = notices(app, "ev-promoted")
    assert promo.participant_id == participant_id(app, users[2])


async def test_cancelling_tells_everyone_kindly_and_stops_reminders(app, person, clock):
    event_id = seed_event(app, clock(), capacity=1)
    a, b = seed_people(app, 2)
    await press(app, a, f"ev:s:{event_id}")
    await press(app, b, f"ev:s:{event_id}")
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    said = await olga.press("Aflys")
    assert "De 2, der er tilmeldt eller på ventelisten" in said
    said = await olga.say("z" * 501)
    assert "501 tegn" in said
    said = await olga.say("Vores kok er syg. Vi ses næste gang!")
    assert "Aflys »Fællesspisning«? 2 får besked sammen med din hilsen" in said
    said = await olga.press("Ja, aflys")
    assert "er aflyst. 2 har fået besked" in said
    told = notices(app, "ev-cancelled")
    assert len(told) == 2
    text = told[0].payload["text"]
    assert "Desværre" in text and "Vores kok er syg" in text and "Vi er kede af det" in text
    with app.sessions() as s:
        assert s.get(Event, event_id).status == CANCELLED
        assert s.scalars(select(EventReminder).where(EventReminder.sent_at.is_(None))).all() == []
    assert "aflyst" in texts(await press(app, a, f"ev:s:{event_id}"))
    # Nothing more to change on a cancelled event.
    assert "kan ikke ændres" in texts(await press(app, "olga", f"evo:t:{event_id}"))


async def test_never_mind_changes_nothing_and_old_buttons_are_stale(app, person, clock):
    seed_event(app, clock())
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    await olga.press("Aflys")
    said = await olga.press("Fortryd")
    assert "intet er ændret" in said
    said = await olga.say("a")  # the same keyboard again (lettered: the question takes a typed note)
    assert "ikke aktiv" in said
    assert notices(app) == []


async def test_concurrent_sign_ups_while_the_capacity_is_raised(app, person, clock):
    event_id = seed_event(app, clock(), capacity=3)
    users = seed_people(app, 20)
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    await olga.press("Pladser")
    results = in_threads(app, [(u, f"ev:s:{event_id}") for u in users])
    assert sum("du er tilmeldt" in texts(r) for r in results) == 3
    await olga.say("8")
    from handlers.events import seats
    with app.sessions() as s:
        assert seats.seats_taken(s, event_id) == 8 and seats.waiting_count(s, event_id) == 12
    assert len(notices(app, "ev-promoted")) == 5


async def test_organiser_tools_in_english_with_every_error(app, person, clock):
    event_id = seed_event(app, clock(), capacity=2)
    a, b = seed_people(app, 2, lang="en")
    await press(app, a, f"ev:s:{event_id}")
    await press(app, b, f"ev:s:{event_id}")
    ed = await onboarded(person, "ed", "en")
    await become_organiser(app, ed, clock=clock)
    said = await ed.say("/myevents")
    assert "Your upcoming events" in said and "2 of 2 places" not in said and "All 2 places are taken" in said
    said = await ed.press("Attendees")
    assert 'Attendees of "Fællesspisning"' in said and "1. Attendee without a name" in said
    await ed.say("/myevents")
    said = await ed.press("Move")
    assert "When should it start instead" in said
    for typed, expected in [("soon", "could not read"), ("5/12", "time is missing"), ("31/2 14:00", "does not exist"),
                            ("1/1/2020 10:00", "already passed")]:
        said = await ed.say(typed)
        assert expected in said and "5/12" in said, (typed, said)
    said = await ed.say("5/12 14:00")
    assert 'Move "Fællesspisning" to Saturday 5 December at 14:00? The 2 people' in said
    said = await ed.press("Never mind")
    assert "nothing was changed" in said
    await ed.say("/myevents")
    await ed.press("Change place")
    assert "address" in await ed.say("x")
    assert "201 characters" in await ed.say("y" * 201)
    await ed.say("/myevents")
    await ed.press("Places")
    assert "as digits" in await ed.say("many")
    assert "at least 2" in await ed.say("1 place")
    assert "more than 5000" in await ed.say("6000 places")
    said = await ed.say("3 places")
    assert '"Fællesspisning" now has 3 places. 0 moved up' in said
    await ed.say("/myevents")
    await ed.press("Cancel event")
    assert "501 characters" in await ed.say("n" * 501)
    said = await ed.press("Cancel without a message")
    assert 'Cancel "Fællesspisning"? 2 people will be told.' in said
    said = await ed.press("Yes, cancel it")
    assert "has been cancelled. 2 people were told" in said
    [first, _] = notices(app, "ev-cancelled")
    assert first.payload["text"].startswith('Sadly, "Fællesspisning"') and "We are sorry" in first.payload["text"]
