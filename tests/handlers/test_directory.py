"""/faellesskaber: a person finds communities near them, three at a time, with when they next meet."""
from __future__ import annotations

from datetime import date

from icalendar import Calendar

from storage.directory_queries import save_catalogue
from tests.support.directory import aarhus_catalogue


def _seed(app, **kw) -> None:
    with app.sessions.begin() as s:
        save_catalogue(s, aarhus_catalogue(**kw))


async def test_a_person_in_aarhus_sees_the_dinner_club_with_its_next_tuesday(app, person):
    _seed(app)
    anna = person()
    await anna.onboard(municipality="Aarhus")
    said = await anna.say("/faellesskaber")
    assert "for Aarhus" in said
    assert "Fællesspisning i Trøjborg" in said and "Naboernes Forening" in said
    # The test clock is Friday 27 November 2026: the next Tuesday is 1 December, 17:30 Copenhagen time.
    assert "Næste gang: 1. dec. 2026 17.30–19:30" in said
    assert "Beboerhuset, Tordenskjoldsgade 1, 8200 Aarhus N" in said and "Niveaufri adgang" in said
    assert "12 34 56 78" in said and "40 kr." in said
    assert "Odense-cafeen" not in said
    assert "Viser 1–3 af 5." in said


async def test_more_pages_on_and_a_filter_narrows(app, person):
    _seed(app)
    anna = person()
    await anna.onboard(municipality="Aarhus")
    await anna.say("/faellesskaber")
    said = await anna.press("Vis flere")
    assert "Viser 4–5 af 5." in said and "Fællesspisning" not in said
    await anna.press("Vælg målgruppe")
    said = await anna.press("ældre")
    assert "Fællesspisning i Trøjborg" in said and "Klub" not in said and "Viser 1–1 af 1." in said


async def test_named_place_area_and_group_and_an_unknown_place(app, person):
    _seed(app)
    bo = person("bo", lang_hint="en")
    said = await bo.say("/communities Odense fritid")
    assert "Odense-cafeen" in said and "Trøjborg" not in said
    said = await bo.say("/communities 8200 unge")
    assert "Klub 0" in said and "Fællesspisning" not in said
    assert "Atlantis" in await bo.say("/communities Atlantis")


async def test_an_entry_not_verified_for_180_days_is_hidden(app, person):
    _seed(app, verified=date(2026, 5, 1))
    anna = person()
    await anna.onboard(municipality="Aarhus")
    said = await anna.say("/faellesskaber")
    assert "Fællesspisning" not in said and "Jeg fandt ingen tilbud" in said


async def test_a_meeting_goes_into_the_calendar(sqlite_app):
    from handlers.core.types import Document
    from tests.support.people import Person, incoming

    _seed(sqlite_app)
    anna = Person(sqlite_app, "anna")
    await anna.onboard(municipality="Aarhus")
    await anna.say("/faellesskaber")
    # Each card carries its own button (the console keeps only the last keyboard): press the dinner's.
    [action] = [b.action for r in anna.replies() for row in r.buttons for b in row if "kalender" in b.label]
    out = await sqlite_app.dispatcher.handle(incoming(action=action))
    [doc] = [i for i in out if isinstance(i, Document)]
    event = Calendar.from_ical(doc.content).walk("VEVENT")[0]
    assert str(event["summary"]) == "Fællesspisning i Trøjborg"
    assert event["dtstart"].dt.isoformat() == "2026-12-01T17:30:00+01:00"
    assert event["rrule"]["FREQ"] == ["WEEKLY"]


async def test_a_mangled_button_is_stale_not_a_crash(app, person):
    from tests.support.people import incoming

    anna = person()
    for action in ("dir:s:xx:fritid:-:0", "dir:s:751:golf:-:0", "dir:a", "dir:c:nope", "dir:s:751:-:-:abc"):
        out = await app.dispatcher.handle(incoming(action=action))
        assert out, action


async def test_a_warm_hand_off_shares_only_what_the_person_chose(app, person):
    from sqlalchemy import select

    from handlers.core.types import Reply
    from storage.audit_models import AuditEntry
    from storage.directory_models import DirReferral
    from tests.support.people import incoming

    _seed(app)
    anna = person()
    await anna.onboard(municipality="Aarhus")
    await anna.say("/faellesskaber")
    [action] = [b.action for r in anna.replies() for row in r.buttons for b in row if "frivillig" in b.label]
    out = await app.dispatcher.handle(incoming(action=action))
    anna.console.render(out[-1])
    assert "Naboernes Forening" in out[-1].text and "Du vælger selv" in out[-1].text
    await anna.press("Ja, fortsæt")
    await anna.press("Spring over")  # no first name
    await anna.say("anna@example.org")
    said = await anna.say("Jeg vil gerne med til spisning, men kender ingen.")
    assert "Fornavn: –" in said and "anna@example.org" in said and "kender ingen" in said
    said = await anna.press("Send")
    assert "modtaget" in said
    with app.sessions() as s:
        [ref] = s.scalars(select(DirReferral)).all()
        assert ref.service_id == "spis" and ref.status == "pending"
        assert ref.shared == {"contact": "anna@example.org", "note": "Jeg vil gerne med til spisning, men kender ingen."}
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "handoff")).all()
        assert entry.actor == "citizen" and "anna" not in str(entry.filters)
    await anna.say("/mydata")
    assert "anna@example.org" in b"".join(d.content for d in anna.documents()).decode()
    await anna.say("/forget")
    await anna.press("Ja")
    with app.sessions() as s:
        assert s.scalars(select(DirReferral)).all() == []


async def test_saying_no_shares_nothing(app, person):
    from sqlalchemy import select

    from storage.directory_models import DirReferral
    from tests.support.people import incoming

    _seed(app)
    anna = person()
    await anna.onboard(municipality="Aarhus")
    await anna.say("/faellesskaber")
    [action] = [b.action for r in anna.replies() for row in r.buttons for b in row if "frivillig" in b.label]
    anna.console.render((await app.dispatcher.handle(incoming(action=action)))[-1])
    assert "ikke sendt noget" in await anna.press("Nej tak")
    with app.sessions() as s:
        assert s.scalars(select(DirReferral)).all() == []
