"""Signing up: exact capacity under concurrent presses, waitlist positions, promotion, +1, harmless repeats."""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from icalendar import Calendar
from sqlalchemy import select

from engines.dates import TZ
from handlers.events import seats
from handlers.core.types import Document
from storage.event_models import CONFIRMED, WAITING, Signup
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import in_threads, notices, participant_id, press, seed_event, seed_people, texts


def signups(app, event_id: int) -> list[Signup]:
    with app.sessions() as s:
        return list(s.scalars(select(Signup).where(Signup.event_id == event_id).order_by(Signup.queue_no)))


def seats_taken(app, event_id: int) -> int:
    with app.sessions() as s:
        return seats.seats_taken(s, event_id)


async def test_sign_up_confirms_with_a_calendar_file_and_asks_a_name_once(app, person, clock):
    event_id = seed_event(app, clock(), capacity=10)
    anna = person("anna")
    await anna.onboard()
    said = await anna.say(f"/start ev_{event_id}")
    assert "Fællesspisning" in said and "0 af 10 pladser" in said and "Tilmeld mig" in anna.labels
    said = await anna.press("Tilmeld mig")
    assert "du er tilmeldt »Fællesspisning« fredag den 4. december kl. 11.00" in said
    assert "Hvilket navn må arrangøren se" in said and "Brug »anna«" in anna.labels
    [doc] = anna.documents()
    assert doc.filename.endswith(".ics") and doc.mime_type == "text/calendar"
    cal = Calendar.from_ical(doc.content)
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event_id}@samtale.events"
    assert vevent.decoded("DTSTART").tzinfo is not None
    assert vevent["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert vevent.decoded("DTSTART") == datetime(2026, 12, 4, 11, 0, tzinfo=TZ)
    said = await anna.press("Brug »anna«")
    assert "arrangøren ser »anna«" in said
    # A second press is harmless: nothing changes, no second seat, no second name question.
    out = await press(app, "anna", f"ev:s:{event_id}")
    assert "allerede tilmeldt" in texts(out) and not any(isinstance(i, Document) for i in out)
    assert seats_taken(app, event_id) == 1 and len(signups(app, event_id)) == 1


async def test_the_calendar_uid_is_stable_and_the_sequence_follows_edits(app, person, clock):
    event_id = seed_event(app, clock())
    seed_people(app, 1, prefix="a")
    first = [i for i in await press(app, "a0", f"ev:s:{event_id}") if isinstance(i, Document)][0]
    again = [i for i in await press(app, "a0", f"ev:i:{event_id}") if isinstance(i, Document)][0]
    one, two = (Calendar.from_ical(d.content).walk("VEVENT")[0] for d in (first, again))
    assert one["UID"] == two["UID"] and int(one["SEQUENCE"]) == 0
    assert Calendar.from_ical(first.content).walk("VTIMEZONE")[0]["TZID"] == "Europe/Copenhagen"


async def test_waitlist_positions_and_promotion_on_cancel(app, clock):
    event_id = seed_event(app, clock(), capacity=2)
    users = seed_people(app, 5)
    said = [texts(await press(app, u, f"ev:s:{event_id}")) for u in users]
    assert "du er tilmeldt" in said[0] and "du er tilmeldt" in said[1]
    assert "nr. 1" in said[2] and "nr. 2" in said[3] and "nr. 3" in said[4]
    # A second press says where one stands, and changes nothing.
    assert "som nr. 2" in texts(await press(app, users[3], f"ev:s:{event_id}"))
    out = texts(await press(app, users[0], f"ev:c:{event_id}"))
    assert "Du er afmeldt" in out
    [promo] = notices(app, "ev-promoted")
    assert promo.participant_id == participant_id(app, users[2])
    assert "Der er blevet en plads til dig" in promo.payload["text"] and promo.priority == 0
    assert [b[1] for row in promo.payload["buttons"] for b in row] == [f"ev:i:{event_id}", f"ev:c:{event_id}"]
    # The rest moved up a place.
    assert "nr. 1 på ventelisten" in texts(await press(app, users[3], f"ev:v:{event_id}"))
    # Cancelling twice is harmless.
    assert "ikke tilmeldt" in texts(await press(app, users[0], f"ev:c:{event_id}"))
    assert len(notices(app, "ev-promoted")) == 1
    # Leaving the waitlist promotes nobody and keeps the order.
    await press(app, users[3], f"ev:c:{event_id}")
    assert "nr. 1 på ventelisten" in texts(await press(app, users[4], f"ev:v:{event_id}"))
    assert seats_taken(app, event_id) == 2


async def test_plus_one_counts_against_capacity(app, clock):
    event_id = seed_event(app, clock(), capacity=3, plus_one=True)
    a, b, c = seed_people(app, 3)
    assert "Din ven er også med" in texts(await press(app, a, f"ev:s2:{event_id}"))
    assert seats_taken(app, event_id) == 2
    # One seat left: a pair is offered to come alone or wait together; nothing changes until they choose.
    out = texts(await press(app, b, f"ev:s2:{event_id}"))
    assert "kun én plads tilbage" in out and seats_taken(app, event_id) == 2
    assert "som nr. 1" in texts(await press(app, b, f"ev:w2:{event_id}"))
    # A single person still fits in the last seat (the pair at the front does not fit it).
    assert "du er tilmeldt" in texts(await press(app, c, f"ev:s:{event_id}"))
    assert seats_taken(app, event_id) == 3
    # a comes alone after all: one seat frees, but the pair waiting needs two — nobody is promoted.
    assert "du kommer alene" in texts(await press(app, a, f"ev:nf:{event_id}"))
    assert notices(app, "ev-promoted") == []
    # c leaves: now two seats are free and the pair is promoted together.
    await press(app, c, f"ev:c:{event_id}")
    [promo] = notices(app, "ev-promoted")
    assert promo.participant_id == participant_id(app, b) and "plads til din ven" in promo.payload["text"]
    assert seats_taken(app, event_id) == 3
    # Adding a friend when full keeps one's own seat.
    assert "ikke en ledig plads til din ven" in texts(await press(app, a, f"ev:f:{event_id}"))
    assert seats_taken(app, event_id) == 3


async def test_plus_one_refused_when_the_event_does_not_allow_it(app, clock):
    event_id = seed_event(app, clock(), capacity=5, plus_one=False)
    a, = seed_people(app, 1)
    await press(app, a, f"ev:s2:{event_id}")  # the friend is dropped, the person is signed up alone
    assert seats_taken(app, event_id) == 1
    assert "kun plads til dig selv" in texts(await press(app, a, f"ev:f:{event_id}"))


async def test_capacity_respected_exactly_under_concurrent_sign_ups(app, clock):
    """40 people press Sign up at the same moment, each from its own thread: exactly 10 get a seat."""
    event_id = seed_event(app, clock(), capacity=10)
    users = seed_people(app, 40)
    results = in_threads(app, [(u, f"ev:s:{event_id}") for u in users])
    joined = sum("du er tilmeldt" in texts(r) for r in results)
    waiting = sum("på ventelisten som nr." in texts(r) for r in results)
    assert (joined, waiting) == (10, 30)
    rows = signups(app, event_id)
    assert Counter(r.status for r in rows) == {CONFIRMED: 10, WAITING: 30}
    assert seats_taken(app, event_id) == 10
    # Every place in line is different, 1..30.
    with app.sessions() as s:
        positions = sorted(seats.position(s, r) for r in rows if r.status == WAITING)
    assert positions == list(range(1, 31))


async def test_concurrent_cancellations_and_sign_ups_never_overbook(app, clock):
    event_id = seed_event(app, clock(), capacity=5, plus_one=True)
    users = seed_people(app, 30)
    for u in users[:5]:
        await press(app, u, f"ev:s:{event_id}")
    for u in users[5:15]:
        await press(app, u, f"ev:s:{event_id}")
    calls = [(u, f"ev:c:{event_id}") for u in users[:4]] + [(u, f"ev:s2:{event_id}") for u in users[15:30]]
    in_threads(app, calls)
    rows = signups(app, event_id)
    confirmed = [r for r in rows if r.status == CONFIRMED]
    assert sum(r.seats for r in confirmed) <= 5
    # Whoever was first in line and fits got the freed seats; four were told.
    assert len(notices(app, "ev-promoted")) == len([r for r in confirmed if r.participant_id not in
                                                    {participant_id(app, u) for u in users[:5]}])


async def test_second_press_from_many_threads_gives_one_seat(app, clock):
    event_id = seed_event(app, clock(), capacity=10)
    a, = seed_people(app, 1)
    in_threads(app, [(a, f"ev:s:{event_id}")] * 12)
    assert seats_taken(app, event_id) == 1 and len(signups(app, event_id)) == 1


async def test_capacity_raise_promotes_in_order(app, person, clock):
    from tests.support.events import become_organiser

    event_id = seed_event(app, clock(), capacity=1)
    users = seed_people(app, 4)
    for u in users:
        await press(app, u, f"ev:s:{event_id}")
    org = person("olga")
    await org.onboard()
    await become_organiser(app, org, clock=clock)
    await org.say("/myevents")
    said = await org.press("Pladser")
    assert "har nu 1 pladser, og 1 er taget" in said
    said = await org.say("3")
    assert "har nu 3 pladser. 2 er rykket op" in said
    promoted = {n.participant_id for n in notices(app, "ev-promoted")}
    assert promoted == {participant_id(app, users[1]), participant_id(app, users[2])}
    assert seats_taken(app, event_id) == 3


async def test_no_sign_up_without_consent_and_not_in_groups(app, person, clock):
    event_id = seed_event(app, clock())
    out = await press(app, "stranger", f"ev:s:{event_id}")
    # A sign-up asks its own small consent first; nothing is taken before the yes.
    assert "Vil du melde dig til" in texts(out) and seats_taken(app, event_id) == 0
    a, = seed_people(app, 1)
    out = await press(app, a, f"ev:s:{event_id}", chat_type="group")
    assert "privat" in texts(out) and seats_taken(app, event_id) == 0


async def test_stale_and_mangled_buttons(app, clock):
    a, = seed_people(app, 1)
    for action in ("ev:s:999", "ev:s:abc", "ev:s", "ev:zz:1", "ev:s:99999999999999"):
        out = texts(await press(app, a, action))
        assert "kan jeg ikke finde" in out or "ikke aktiv længere" in out, action


async def test_cancelled_or_started_events_take_no_sign_ups(app, clock):
    event_id = seed_event(app, clock(), days=0.5)
    a, b = seed_people(app, 2)
    clock.advance(hours=13)
    assert "gået i gang" in texts(await press(app, a, f"ev:s:{event_id}"))


async def test_sign_up_in_english(app, person, clock):
    event_id = seed_event(app, clock(), capacity=1)
    bob = person("bob", lang_hint="en")
    await bob.onboard(lang="en")
    said = await bob.say(f"/start ev_{event_id}")
    assert "0 of 1 places taken" in said and "Sign me up" in bob.labels
    said = await bob.press("Sign me up")
    assert 'you are signed up for "Fællesspisning" Friday 4 December at 11:00' in said
    await bob.press("No name, thanks")
    eve = person("eve", lang_hint="en")
    await eve.onboard(lang="en")
    await eve.say(f"/start ev_{event_id}")
    said = await eve.press("Put me on the waitlist")
    assert "number 1 on the waitlist" in said
    await bob.say("/myevents")
    said = await bob.press("Cancel my place")
    assert "Your place for" in said
    [promo] = notices(app, "ev-promoted")
    assert promo.payload["text"].startswith("Good news!") and "Friday 4 December at 11:00" in promo.payload["text"]


async def test_many_presses_in_one_group_commit_batch(app, clock):
    """The dispatcher handles presses arriving together in one transaction: still exactly the capacity."""
    import asyncio

    event_id = seed_event(app, clock(), capacity=7, plus_one=True)
    users = seed_people(app, 30)
    results = await asyncio.gather(*(press(app, u, f"ev:s{'2' if i % 3 == 0 else ''}:{event_id}")
                                     for i, u in enumerate(users)))
    assert seats_taken(app, event_id) == 7  # singles fill the last seat a pair cannot
    assert sum("du er tilmeldt" in texts(r) for r in results) >= 3
    rows = signups(app, event_id)
    assert sum(r.seats for r in rows if r.status == CONFIRMED) == seats_taken(app, event_id)


async def test_promotion_news_waits_for_morning_unless_the_event_is_soon(app, clock):
    far = seed_event(app, clock(), capacity=1, days=5)
    soon = seed_event(app, clock(), capacity=1, days=0.3)
    a, b = seed_people(app, 2)
    for event_id in (far, soon):
        await press(app, a, f"ev:s:{event_id}")
        await press(app, b, f"ev:s:{event_id}")
        await press(app, a, f"ev:c:{event_id}")
    quiet = {n.ref.split(":")[0]: n.quiet for n in notices(app, "ev-promoted")}
    assert quiet == {str(far): True, str(soon): False}
