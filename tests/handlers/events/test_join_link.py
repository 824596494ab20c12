"""An online event's join link: asked and checked (https only), shown to people with a seat — in their
card, reminder and calendar file — and never on a public card, to someone not signed up, or in a group."""
from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from handlers.events.joinlink import join_link_problem
from handlers.events.texts import public_card
from handlers.core.types import Document
from storage.event_models import Event
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import become_organiser, press, seed_event, seed_people, texts

LINK = "https://meet.jit.si/faellesspisning-aarhus"


def _with_link(app, event_id: int, link: str = LINK) -> None:
    with app.sessions() as s:
        event = s.get(Event, event_id)
        event.online, event.place, event.join_url = True, "Online", link
        s.commit()


def _calendar(intents) -> object:
    [doc] = [i for i in intents if isinstance(i, Document)]
    [vevent] = Calendar.from_ical(doc.content).walk("VEVENT")
    return vevent


@pytest.mark.parametrize("typed, problem", [
    ("http://meet.jit.si/x", "link_https"), ("ftp://x.dk/a", "link_https"), ("meet.jit.si/x", "link_https"),
    ("https://", "link_bad"), ("https://user:secret@x.dk/a", "link_bad"), ("https://localhost/a", "link_bad"),
    ("https://x.dk/a b", "link_bad"), ("https://x.dk/" + "a" * 500, "link_long"),
])
def test_only_a_whole_https_link_is_taken(typed, problem):
    assert join_link_problem(typed)[1][0] == problem
    assert join_link_problem(" https://zoom.us/j/123?pwd=abc ") == ("https://zoom.us/j/123?pwd=abc", None)


async def test_the_link_goes_to_a_confirmed_seat_only(app, clock):
    event_id = seed_event(app, clock(), capacity=1)
    _with_link(app, event_id)
    seed_people(app, 3, prefix="j")
    # Not signed up: the card and a calendar file asked for by hand carry no link.
    assert LINK not in texts(await press(app, "j0", f"ev:v:{event_id}"))
    assert "URL" not in _calendar(await press(app, "j0", f"ev:i:{event_id}"))
    joined = await press(app, "j0", f"ev:s:{event_id}")
    assert f"🔗 Link til at være med: {LINK}" in texts(joined)
    vevent = _calendar(joined)
    assert str(vevent["URL"]) == LINK and str(vevent["LOCATION"]) == LINK
    assert str(_calendar(await press(app, "j0", f"ev:i:{event_id}"))["URL"]) == LINK
    # On the waitlist: no seat, no link.
    waiting = await press(app, "j1", f"ev:s:{event_id}")
    assert LINK not in texts(waiting) and "URL" not in _calendar(await press(app, "j1", f"ev:i:{event_id}"))
    # In a group the card says nothing about the person, so nothing of the link either.
    assert LINK not in texts(await press(app, "j0", f"ev:v:{event_id}", chat_type="group"))
    with app.sessions() as s:
        event = s.get(Event, event_id)
        public = public_card(s, event, "da", clock())
    assert LINK not in public and "Online" in public


async def test_a_link_typed_as_the_place_is_kept_off_the_public_card(app, person, clock):
    olga = person("olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    await olga.say("/newevent")
    for answer in ("Kaffe online", "Vi snakker sammen over en kop kaffe.", "5/12 kl. 14"):
        await olga.say(answer)
    await olga.press("Ja, det passer")
    await olga.say("1 time")
    said = await olga.say(LINK)  # the link typed as the place
    assert "Hvad er linket" in said
    said = await olga.say(LINK)
    assert "Hvilken kommune" in said
    with app.sessions() as s:
        assert s.scalars(select(Event)).first() is None  # nothing is published before the review


async def test_the_reminder_carries_the_link(app, clock):
    from handlers.events.reminders import send_due_reminders
    from tests.support.events import notices

    event_id = seed_event(app, clock(), days=7)
    _with_link(app, event_id)
    (who,) = seed_people(app, 1, prefix="r")
    await press(app, who, f"ev:s:{event_id}")
    clock.advance(days=6)
    assert send_due_reminders(app, clock()) == 1
    [reminder] = notices(app, "ev-reminder")
    assert f"🔗 Link til at være med: {LINK}" in reminder.payload["text"]


async def test_an_edited_place_that_is_a_link_stays_off_the_public_card(app, person, clock):
    event_id = seed_event(app, clock())
    olga = person("olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    await olga.press("Skift sted")
    said = await olga.say("http://meet.jit.si/ny")
    assert "Linket skal begynde med https://" in said
    said = await olga.say(LINK)
    assert LINK not in said  # the place to confirm is "Online"
    await olga.press("Ja, skift stedet")
    with app.sessions() as s:
        event = s.get(Event, event_id)
        assert (event.place, event.online, event.join_url) == ("Online", True, LINK)
        assert LINK not in public_card(s, event, "da", clock())
