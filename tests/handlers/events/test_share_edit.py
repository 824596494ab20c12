"""Sharing an event from its card on every platform, and organisers editing an event's title and description."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.platforms.discord import SamtaleClient
from bot.platforms.telegram.sender import TelegramSender
from handlers.events.config import EventsConfig
from handlers.events.channels import announcement_posted, pending_announcements, queue_announcements
from handlers.events.invites import find_invite, revoke
from handlers.core.types import Reply, Share, buttons
from storage.event_models import CANCELLED, Event, EventAnnouncement
from bench.loopback.telegram_api import DEFAULT_TOKEN
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.discord import last_with_buttons
from tests.support.discord import onboard as onboard_on_discord
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import become_organiser, make_code, notices, press, seed_event, seed_people, texts, \
    use_events
from tests.support.telegram import OTHER, USER, Chat, _timedelta_retry_after, fake, h, sleeps, tg  # noqa: F401

BOT = "samtale_test_bot"  # the fake Bot API's getMe


async def onboarded(person, name: str, lang: str = "da"):
    p = person(name, lang_hint=lang)
    await p.onboard(lang=lang)
    return p


def cards(intents) -> list[Reply]:
    return [i for i in intents if isinstance(i, Reply) and i.share is not None]


def share_target(url: str) -> tuple[str, dict[str, list[str]], str]:
    """A t.me/share/url link → (the shared link's host+path, its query, the suggested text)."""
    outer = urlsplit(url)
    assert (outer.scheme, outer.netloc, outer.path) == ("https", "t.me", "/share/url")
    query = parse_qs(outer.query)
    inner = urlsplit(query["url"][0])
    return inner.netloc + inner.path, parse_qs(inner.query), query["text"][0]


# ------------------------------------------------------------------------------------ the share field

async def test_cards_carry_the_payload_to_share_not_a_code_in_the_text(app, person, clock):
    event_id = seed_event(app, clock(), title="Fællesspisning")
    anna = await onboarded(person, "anna")
    said = await anna.say("/events")
    [card] = cards(anna.last)
    assert card.share.payload == f"ev_{event_id}" and "ev_" not in card.text
    assert f"Vil andre med? De kan skrive /start ev_{event_id} til mig." in said  # the console's line
    await anna.say(f"/start ev_{event_id}")
    assert [c.share.payload for c in cards(anna.last)] == [f"ev_{event_id}"]
    await anna.press("Tilmeld mig")
    # The confirmation can be passed on too: someone who just signed up may bring a friend.
    assert [c.share.payload for c in cards(anna.last)] == [f"ev_{event_id}"]
    await anna.say("/myevents")
    assert [c.share.payload for c in cards(anna.last)] == [f"ev_{event_id}"]

    ed = await onboarded(person, "ed", "en")
    said = await ed.say("/events Aarhus")
    assert f"They can send me /start ev_{event_id}." in said and "Vil andre med" not in said


async def test_a_cancelled_or_started_event_is_not_offered_for_sharing(app, person, clock):
    cancelled = seed_event(app, clock())
    started = seed_event(app, clock(), days=1)
    with app.sessions() as s:
        s.get(Event, cancelled).status = CANCELLED
        s.commit()
    anna = await onboarded(person, "anna")
    assert cards(await press(app, "anna", f"ev:v:{cancelled}")) == []
    clock.advance(days=1, hours=1)
    said = await anna.say(f"/start ev_{started}")
    assert "gået i gang" in said and "/start ev_" not in said


# ------------------------------------------------------------------------------------ Telegram

async def test_telegram_card_has_a_share_button_whose_link_opens_the_card(app, clock, fake, tg, h):  # noqa: F811
    event_id = seed_event(app, clock(), title="Fællesspisning")
    anna = Chat(h)
    await anna.onboard()
    sent = await anna.say("/events")
    [card] = [m for m in sent if any("url" in b for b in m.buttons)]
    assert "ev_" not in card.text and "Fællesspisning" in card.text
    [share] = [b for b in card.buttons if "url" in b]
    assert share["text"] == "Del" and "Tilmeld mig" in [b["text"] for b in card.buttons]
    link, query, suggested = share_target(share["url"])
    assert link == f"t.me/{BOT}" and query == {"start": [f"ev_{event_id}"]}
    assert "»Fællesspisning«" in suggested

    # Whoever gets the link and taps it sends /start ev_<id>: a newcomer sees the card, then consent.
    bo = Chat(h, OTHER, first_name="Bo")
    first, *rest = await bo.say(f"/start ev_{event_id}")
    assert "Fællesspisning" in first.text and "Vil du melde dig til?" in first.text
    # Someone already taking part sees the card with its buttons, and can share it on.
    [again] = await anna.say(f"/start ev_{event_id}")
    assert "Fællesspisning" in again.text and any(b.get("url") == share["url"] for b in again.buttons)


async def test_telegram_share_button_is_in_the_language_chosen_not_the_clients(app, clock, fake, tg, h):  # noqa: F811
    seed_event(app, clock(), title="Walk and talk")
    ed = Chat(h, lang="en", first_name="Ed")
    await ed.say("/start")
    await ed.press("Yes, I consent")
    await ed.press("Dansk")
    await ed.press("30–49")
    await ed.say("Aarhus")
    await ed.press("Ja, anonymt")
    [card] = [m for m in await ed.say("/events") if m.buttons]
    [share] = [b for b in card.buttons if "url" in b]
    assert share["text"] == "Del" and "»Walk and talk«" in share_target(share["url"])[2]
    await ed.say("/language")  # English from here on
    await ed.press("English")
    [card] = [m for m in await ed.say("/events") if m.buttons]
    [share] = [b for b in card.buttons if "url" in b]
    assert share["text"] == "Share" and "\"Walk and talk\"" in share_target(share["url"])[2]


async def test_telegram_outbox_sender_renders_the_share_button_too(fake):  # noqa: F811
    sender = TelegramSender(Bot(DEFAULT_TOKEN, base_url=fake.base_url))
    await sender.start()
    try:
        reply = Reply("📅 Korsang\nhele året", buttons([("Tilmeld mig", "ev:s:5")]), share=Share("ev_5", "Del", "Kom med til »Korsang«!", "… /start ev_5 …"))
        assert (await sender.send(str(USER), reply, key="k1")).outcome.value == "sent"
        # A payload /start would not take is left out rather than sent as a broken link.
        assert (await sender.send(str(USER), Reply("x", share=Share("ev 5/../", "Del", "x", "x")), key="k2")).outcome.value == "sent"
    finally:
        await sender.close()
    first, second = fake.sent_messages(USER)
    [[join], [share]] = first.reply_markup["inline_keyboard"]
    assert join["callback_data"] == "ev:s:5" and share["text"] == "Del"
    assert share_target(share["url"])[:2] == (f"t.me/{BOT}", {"start": ["ev_5"]})
    assert second.reply_markup is None


# ------------------------------------------------------------------------------------ Discord

@pytest.fixture
def discord_fake(monkeypatch) -> FakeDiscord:
    return FakeDiscord().install(monkeypatch)


async def test_discord_card_says_what_to_type_and_that_works(sqlite_app, clock, discord_fake):
    event_id = seed_event(sqlite_app, clock(), title="Fællesspisning")
    client = await discord_fake.connect(SamtaleClient(sqlite_app))
    try:
        anna = discord_fake.user("anna")
        await onboard_on_discord(discord_fake, anna)
        got = await discord_fake.dm(anna, "/events")
        card = last_with_buttons(got)
        assert f"/start ev_{event_id}" in card.content and "Vil andre med?" in card.content
        # A friend in the same server runs /start with the payload and gets the event.
        bo = discord_fake.user("bo")
        got = await discord_fake.slash(bo, "start", options={"payload": f"ev_{event_id}"})
        assert "Fællesspisning" in got[0].content
    finally:
        await client.close()


# ------------------------------------------------------------------------------------ editing

@pytest.fixture
def channel(app):
    use_events(app, EventsConfig(channels={"telegram": {"Aarhus": ("-1001234567890",)}}))


def posted(app, event_id: int, clock) -> None:
    """The event's card as if the Telegram adapter had already posted it in the municipality's channel."""
    with app.sessions() as s:
        queue_announcements(s, s.get(Event, event_id), app.dispatcher.services.events)
        s.flush()
        for item in pending_announcements(s, "telegram", clock()):
            announcement_posted(s, item.id, "77", clock())
        s.commit()


def stale(app, event_id: int) -> bool:
    with app.sessions() as s:
        return s.scalars(select(EventAnnouncement.stale).where(EventAnnouncement.event_id == event_id)).one()


def event(app, event_id: int) -> Event:
    with app.sessions() as s:
        found = s.get(Event, event_id)
        s.expunge(found)
        return found


async def test_organiser_edits_the_title_in_danish(app, person, clock, channel):
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    event_id = seed_event(app, clock(), title="Fællesspisning")
    posted(app, event_id, clock)
    seed_people(app, 2)
    await press(app, "p0", f"ev:s:{event_id}")
    told = len(notices(app))
    await olga.say("/myevents")
    said = await olga.press("Ret titel")
    assert "»Fællesspisning«" in said and "fx »Fællesspisning i Medborgerhuset«" in said

    for typed, problem in (("Ab", "for kort"), ("x" * 81, "81 tegn"), ("\x00\x07\u200b", "Titlen mangler")):
        said = await olga.say(typed)
        assert problem in said and "fx »Fællesspisning i Medborgerhuset«" in said, typed
        assert event(app, event_id).title == "Fællesspisning"
    # Control characters are taken out before anything reads the text; what is left is the title.
    said = await olga.say("Fællesspisning\x00 for  alle\u200b")
    assert "Titlen er ændret til »Fællesspisning for alle«" in said
    assert event(app, event_id).title == "Fællesspisning for alle" and event(app, event_id).revision == 1
    assert stale(app, event_id)
    assert len(notices(app)) == told  # nobody is told about new words
    assert "Tak" in await olga.say("Det var en god dag.")  # the step is over: text is a reflection again

    anna = await onboarded(person, "anna")
    said = await anna.say("/events")
    assert "Fællesspisning for alle" in said and f"/start ev_{event_id}" in said


async def test_organiser_edits_the_description_in_english_and_can_remove_it(app, person, clock, channel):
    ed = await onboarded(person, "ed", "en")
    await become_organiser(app, ed, clock=clock)
    event_id = seed_event(app, clock())
    posted(app, event_id, clock)
    await ed.say("/myevents")
    said = await ed.press("Edit description")
    assert "Vi spiser sammen." in said and "at most 1000 characters" in said
    said = await ed.say("y" * 1001)
    assert "The description is 1001 characters" in said and "e.g. \"We cook together" in said
    said = await ed.say("We cook together.\nEveryone is welcome.")
    assert "has been updated" in said and "We cook together.\nEveryone is welcome." in said
    assert event(app, event_id).description == "We cook together.\nEveryone is welcome." and stale(app, event_id)

    with app.sessions() as s:
        s.execute(EventAnnouncement.__table__.update().values(stale=False))
        s.commit()
    await ed.say("/myevents")
    await ed.press("Edit description")
    said = await ed.press("Remove the description")
    assert "has been updated" in said and event(app, event_id).description == "" and stale(app, event_id)

    await ed.say("/myevents")
    await ed.press("Edit title")
    assert "a little short" in await ed.say("Hi")
    assert "The title is now \"Shared dinner\"" in await ed.say("Shared dinner")


async def test_an_edit_can_be_cancelled_and_old_or_repeated_presses_are_harmless(app, person, clock):
    olga = await onboarded(person, "olga")
    await become_organiser(app, olga, clock=clock)
    event_id = seed_event(app, clock(), title="Fællesspisning")
    await olga.say("/myevents")
    tools = list(olga.console.choices)
    await olga.press("Ret titel")
    [never] = [b.action for b in olga.console.choices if b.label == "Fortryd"]
    assert "intet er ændret" in await olga.press("Fortryd")
    assert "knap" in texts(await press(app, "olga", never))  # the same Fortryd again: stale, harmless
    assert event(app, event_id).title == "Fællesspisning"

    [edit_title] = [b.action for b in tools if b.label == "Ret titel"]
    await press(app, "olga", edit_title)
    await press(app, "olga", edit_title)  # pressed twice: the newest question is the one answered
    assert "knap" in texts(await press(app, "olga", never))  # an older question's button does nothing
    assert "Titlen er ændret" in await olga.say("Fællesspisning i huset")
    assert event(app, event_id).title == "Fællesspisning i huset"


async def test_only_the_events_own_organisers_may_edit(app, person, clock):
    mine = seed_event(app, clock(), title="Fællesspisning")
    anna = await onboarded(person, "anna")
    for op in ("n", "d"):
        assert "kan jeg ikke finde" in texts(await press(app, "anna", f"evo:{op}:{mine}"))
    bo = await onboarded(person, "bo")
    await become_organiser(app, bo, org="Ældre Sagen Odense", municipality="Odense", clock=clock)
    for op in ("n", "d"):
        assert "kan jeg ikke finde" in texts(await press(app, "bo", f"evo:{op}:{mine}"))
    assert "Ret titel" not in await anna.say("/myevents")

    # Rights taken back in the middle of an edit: the answer changes nothing.
    code = make_code(app, now=clock())
    olga = await onboarded(person, "olga")
    await olga.say(f"/organiser {code}")
    await olga.say("/myevents")
    await olga.press("Ret titel")
    with app.sessions() as s:
        revoke(s, find_invite(s, code), clock())
        s.commit()
    assert "kan jeg ikke finde" in await olga.say("Noget helt andet")
    assert event(app, mine).title == "Fællesspisning"


def test_a_queued_card_keeps_its_share_through_the_outbox():
    from bot.delivery.senders import payload_to_intent
    from storage.outbox import reply_payload as intent_to_payload

    reply = Reply("📅 Korsang", buttons([("Tilmeld mig", "ev:s:5")]),
                  share=Share("ev_5", "Del", "Kom med til »Korsang«!", "Vil andre med? … /start ev_5"))
    assert payload_to_intent(intent_to_payload(reply)) == reply
    plain = Reply("Hej", buttons([("OK", "x:1")]))
    assert payload_to_intent(intent_to_payload(plain)) == plain
