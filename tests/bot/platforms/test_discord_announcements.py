"""Events announced in Discord channels as count-only cards and mirrored as Guild Scheduled Events.

The real discord.py client talks to the recording fake of Discord (tests/support/fakes/discord_api.py); events are
published and changed through the core, as organisers and citizens do.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import aiohttp
import discord
import pytest
from sqlalchemy import select

from bot.platforms.discord import SamtaleClient
from bot.platforms.discord import announcements as announcing
from bot.platforms.discord.announcements import drain_announcements
from bot.platforms.discord.strings import text
from content.i18n import t
from handlers.events import channels
from handlers.events.config import EventsConfig
from handlers.events.manage import cancel_event
from handlers.core.flood import Limits
from storage.event_models import Event, EventAnnouncement
from tests.support.people import Person
from tests.support.fakes.discord_api import FakeDiscord, FakeResponse, Sent, forbidden
from tests.support.discord import last_with_buttons, onboard
from tests.support.events import become_organiser, press, seed_event, seed_people, use_events
from tests.support.discord import fake  # noqa: F401 - fixture

SIGN_UP, SEE = t("da", "events.link.channel_signup"), t("da", "events.link.channel_see")
# As the README's invite asks since Discord's change of 23 February 2026: Create Events to create, Manage Events
# to edit and cancel.
WITH_EVENTS = discord.Permissions(view_channel=True, send_messages=True, create_events=True, manage_events=True).value
MANAGE_ONLY = discord.Permissions(view_channel=True, send_messages=True, manage_events=True).value
WITHOUT_EVENTS = discord.Permissions(view_channel=True, send_messages=True).value


@pytest.fixture(autouse=True)
def relaxed(sqlite_app):
    # An organiser answers a dozen questions within the test clock's one minute.
    sqlite_app.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    yield


@pytest.fixture
async def client(sqlite_app, fake):
    bot = SamtaleClient(sqlite_app)
    yield bot
    await bot.close()


def announce_in(app, *channel_ids: int | str) -> None:  # noqa: ANN001
    """Aarhus's events go to these Discord channels, as [events] discord_channels would say."""
    use_events(app, EventsConfig(channels={"discord": {"Aarhus": tuple(str(c) for c in channel_ids)}}))


def publish(app, clock, **kw) -> int:
    """An event published in Aarhus, queued for its channels as /newevent's last step does."""
    event_id = seed_event(app, clock(), **kw)
    with app.sessions() as s:
        channels.queue_announcements(s, s.get(Event, event_id), app.dispatcher.services.events)
        s.commit()
    return event_id


def change(app, event_id: int, **values) -> None:
    """An organiser's change (place, time, title): posted cards are edited."""
    with app.sessions() as s:
        event = s.get(Event, event_id)
        for key, value in values.items():
            setattr(event, key, value)
        channels.mark_stale(s, event_id)
        s.commit()


def cancel(app, clock, event_id: int) -> None:
    with app.sessions() as s:
        cancel_event(s, s.get(Event, event_id), "", clock())
        s.commit()


def rows(app) -> dict[str, EventAnnouncement]:
    with app.sessions() as s:
        return {r.channel: r for r in s.scalars(select(EventAnnouncement).order_by(EventAnnouncement.id))}


async def drain(app, client, clock) -> int:
    return await drain_announcements(app.sessions, client, clock())


def channel_of(guild: dict, index: int = 0) -> int:
    return int(guild["channels"][index]["id"])


def scheduled_calls(fake: FakeDiscord, method: str) -> list:
    return [body for m, path, body in fake.requests if m == method and "scheduled-events" in path]


# -- the card --------------------------------------------------------------------------------------------

async def test_a_published_event_appears_in_the_aarhus_channel_as_a_count_only_card(sqlite_app, clock, fake,
                                                                                      client):
    guild = fake.guild(bot_permissions=WITHOUT_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    olga = Person(sqlite_app, "olga")
    await olga.onboard()
    await become_organiser(sqlite_app, olga, clock=clock)
    await olga.say("/newevent")
    await olga.say("Fællesspisning")
    await olga.press("Spring over")
    await olga.say("5/12 kl. 18")
    await olga.press("Ja, det passer")
    for step in ("2 timer", "Medborgerhuset", "Aarhus", "10"):
        await olga.say(step)
    for button in ("Dansk", "For alle", "Spring over", "Nej"):
        await olga.press(button)
    assert "slået op i 1 kanal(er)" in await olga.press("Offentliggør")

    assert await drain(sqlite_app, client, clock) == 1
    [card] = fake.in_channel(snak)
    assert not card.ephemeral
    assert "Fællesspisning" in card.content and "0 af 10 pladser" in card.content
    assert "lørdag den 5. december kl. 18.00–20.00" in card.content and "ev_1" not in card.content
    assert "Olga" not in card.content and "olga" not in card.content
    assert card.labels == [SIGN_UP]
    # The button continues in the presser's DM with the event, like Telegram's t.me/…?start=ev_1.
    assert card.button(SIGN_UP)["custom_id"] == "s~dm:start ev_1"
    assert rows(sqlite_app)[str(snak)].message_ref == str(card.id)
    assert await drain(sqlite_app, client, clock) == 0  # nothing new: nothing posted twice
    assert len(fake.in_channel(snak)) == 1


async def test_signing_up_from_the_card_is_private_and_updates_the_count(sqlite_app, clock, fake, client):
    guild = fake.guild(bot_permissions=WITHOUT_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    publish(sqlite_app, clock)
    await drain(sqlite_app, client, clock)
    [card] = fake.in_channel(snak)

    anna = fake.user("anna")
    await onboard(fake, anna)
    got = await fake.press(anna, card, SIGN_UP)
    in_channel = [s for s in got if s.channel_id == snak]
    # In the channel only she sees anything: "I've written to you privately".
    assert [s.content for s in in_channel] == [text("da", "discord.dm_sent")] and in_channel[0].ephemeral
    assert fake.callbacks[-1]["data"]["flags"] == 64
    event_card = last_with_buttons(fake.dms(anna))
    assert "Fællesspisning" in event_card.content and "Tilmeld mig" in event_card.labels

    got = await fake.press(anna, event_card, "Tilmeld mig")
    got = await fake.press(anna, last_with_buttons(got), "Brug »Anna«")  # the name only the organiser sees
    assert all(s.channel_id == fake.dm_channel(anna) for s in got)
    assert await drain(sqlite_app, client, clock) == 1
    assert card.edits == 1 and "1 af 10 pladser" in card.content and card.labels == [SIGN_UP]
    public = [s for s in fake.in_channel(snak) if not s.ephemeral]
    assert public == [card] and "Anna" not in card.content and "anna" not in card.content


async def test_someone_new_sees_the_event_then_the_consent_question_in_a_dm(sqlite_app, clock, fake, client):
    guild = fake.guild(bot_permissions=WITHOUT_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    publish(sqlite_app, clock)
    await drain(sqlite_app, client, clock)
    [card] = fake.in_channel(snak)

    bo = fake.user("bo")
    await fake.press(bo, card, SIGN_UP)
    first = fake.dms(bo)
    assert "Fællesspisning" in first[0].content and t("da", "events.link.consent_first") in first[0].content
    got = await fake.press(bo, last_with_buttons(first), "Ja, jeg giver")
    got = await fake.press(bo, last_with_buttons(got), "Dansk")
    got = await fake.press(bo, last_with_buttons(got), "30–49")
    got = await fake.dm(bo, "Aarhus")
    got = await fake.press(bo, last_with_buttons(got), "Ja, anonymt")
    # Onboarding done: the event again, now with its Sign up button.
    assert "Fællesspisning" in got[-1].content and "Tilmeld mig" in got[-1].labels
    assert [s for s in fake.in_channel(snak) if not s.ephemeral] == [card]


# -- the scheduled-event mirror ----------------------------------------------------------------------------

async def test_with_manage_events_a_scheduled_event_follows_the_card(sqlite_app, clock, fake, client):
    guild = fake.guild(bot_permissions=WITH_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    long_title = "Fællesspisning for hele opgangen, naboerne og alle andre, der har lyst til at spise sammen i aften i gården"
    event_id = publish(sqlite_app, clock, title=long_title)
    assert await drain(sqlite_app, client, clock) == 1

    [card] = fake.in_channel(snak)
    [(eid, scheduled)] = fake.scheduled_events.items()
    start = (clock() + timedelta(days=7)).astimezone(timezone.utc)
    assert scheduled["name"] == long_title[:100] and len(long_title) > 100
    assert datetime.fromisoformat(scheduled["scheduled_start_time"]) == start
    assert datetime.fromisoformat(scheduled["scheduled_end_time"]) == start + timedelta(hours=2)
    assert scheduled["entity_metadata"] == {"location": "Medborgerhuset, Vestergade 12, Aarhus"}
    assert scheduled["entity_type"] == discord.EntityType.external.value
    assert scheduled["privacy_level"] == discord.PrivacyLevel.guild_only.value
    assert "#snak" in scheduled["description"] and SIGN_UP in scheduled["description"]
    assert rows(sqlite_app)[str(snak)].message_ref == f"{card.id}:{eid}"

    # A seat taken changes only the card; the scheduled event has nothing new to show.
    [someone] = seed_people(sqlite_app, 1)
    await press(sqlite_app, someone, f"ev:s:{event_id}")
    assert await drain(sqlite_app, client, clock) == 1
    assert "1 af 10 pladser" in card.content and scheduled_calls(fake, "PATCH") == []

    place = "Biblioteket, Mølleparken 1, indgang fra gården ved cyklerne, op ad trappen til anden sal, lokale 2.14"
    change(sqlite_app, event_id, place=place)
    await drain(sqlite_app, client, clock)
    # Discord takes at most 100 characters of location.
    assert scheduled_calls(fake, "PATCH") == [{"entity_metadata": {"location": f"{place}, Aarhus"[:100]},
                                               "channel_id": None}]
    assert "Biblioteket" in card.content

    cancel(sqlite_app, clock, event_id)
    await drain(sqlite_app, client, clock)
    assert "aflyst" in card.content and card.labels == [SEE]
    assert fake.scheduled_events[eid]["status"] == discord.EventStatus.cancelled.value
    assert rows(sqlite_app)[str(snak)].message_ref == f"{card.id}:{eid}"


async def test_without_manage_events_only_the_card_and_one_log_line(sqlite_app, clock, fake, client, caplog):
    guild = fake.guild(bot_permissions=WITHOUT_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    publish(sqlite_app, clock)
    publish(sqlite_app, clock, title="Gåtur ved åen", days=8)
    with caplog.at_level(logging.INFO, logger=announcing.__name__):
        assert await drain(sqlite_app, client, clock) == 2
    assert len(fake.in_channel(snak)) == 2 and fake.scheduled_events == {}
    assert scheduled_calls(fake, "POST") == []
    with sqlite_app.sessions() as s:
        refs = [r.message_ref for r in s.scalars(select(EventAnnouncement))]
    assert refs == [str(m.id) for m in fake.in_channel(snak)]
    assert [r.levelno for r in caplog.records if "Create Events" in r.getMessage()] == [logging.INFO]


async def test_manage_events_alone_no_longer_creates_a_scheduled_event(sqlite_app, clock, fake, client, caplog):
    """The old invite (Manage Events only): Discord refuses creation, so the bot does not try, and says why."""
    guild = fake.guild(bot_permissions=MANAGE_ONLY)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    publish(sqlite_app, clock)
    with caplog.at_level(logging.INFO, logger=announcing.__name__):
        assert await drain(sqlite_app, client, clock) == 1
    assert len(fake.in_channel(snak)) == 1 and fake.scheduled_events == {}
    assert scheduled_calls(fake, "POST") == []
    assert not any("403" in r.getMessage() for r in caplog.records)
    assert [r.levelno for r in caplog.records if "Create Events" in r.getMessage()] == [logging.INFO]


async def test_create_events_alone_creates_edits_and_cancels_the_bots_own_event(sqlite_app, clock, fake, client):
    guild = fake.guild(bot_permissions=discord.Permissions(view_channel=True, send_messages=True,
                                                           create_events=True).value)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    event_id = publish(sqlite_app, clock)
    await drain(sqlite_app, client, clock)
    [(eid, _)] = fake.scheduled_events.items()
    change(sqlite_app, event_id, title="Gåtur ved åen")
    await drain(sqlite_app, client, clock)
    assert fake.scheduled_events[eid]["name"] == "Gåtur ved åen"
    cancel(sqlite_app, clock, event_id)
    await drain(sqlite_app, client, clock)
    assert fake.scheduled_events[eid]["status"] == discord.EventStatus.cancelled.value


async def test_a_failed_scheduled_event_keeps_the_card_and_is_made_on_a_later_change(sqlite_app, clock, fake,
                                                                                     client):
    guild = fake.guild(bot_permissions=WITH_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    event_id = publish(sqlite_app, clock)
    fake.fail_scheduled.append(discord.DiscordServerError(FakeResponse(503, "Unavailable"), {"code": 0}))
    assert await drain(sqlite_app, client, clock) == 1
    [card] = fake.in_channel(snak)
    assert rows(sqlite_app)[str(snak)].message_ref == str(card.id) and fake.scheduled_events == {}

    change(sqlite_app, event_id, capacity=12)
    assert await drain(sqlite_app, client, clock) == 1
    [eid] = fake.scheduled_events
    assert rows(sqlite_app)[str(snak)].message_ref == f"{card.id}:{eid}" and "12 pladser" in card.content

    # A moderator deletes the scheduled event in the server: it is not made again.
    del fake.scheduled_events[eid]
    change(sqlite_app, event_id, capacity=14)
    await drain(sqlite_app, client, clock)
    change(sqlite_app, event_id, capacity=16)
    await drain(sqlite_app, client, clock)
    assert rows(sqlite_app)[str(snak)].message_ref == f"{card.id}:-" and "16 pladser" in card.content
    assert len(scheduled_calls(fake, "POST")) == 2 and fake.scheduled_events == {}


# -- failures ------------------------------------------------------------------------------------------

async def test_a_forbidden_or_unknown_channel_is_given_up_and_the_others_still_post(sqlite_app, clock, fake,
                                                                                     client):
    guild = fake.guild(channels=("lukket", "snak"), bot_permissions=WITHOUT_EVENTS)
    closed, snak = channel_of(guild, 0), channel_of(guild, 1)
    unknown = 123456789012345678
    fake.refuse[closed] = forbidden(50001, "Missing Access")
    announce_in(sqlite_app, closed, unknown, "#not-an-id", snak)
    await fake.connect(client)
    publish(sqlite_app, clock)
    assert await drain(sqlite_app, client, clock) == 1
    got = rows(sqlite_app)
    assert {ref: r.status for ref, r in got.items()} == {str(closed): "failed", str(unknown): "failed",
                                                          "#not-an-id": "failed", str(snak): "posted"}
    assert got[str(closed)].last_error == "discord 403 50001" and got[str(unknown)].attempts == 1
    assert got["#not-an-id"].last_error == "not a discord channel id: #not-an-id"
    assert len(fake.in_channel(snak)) == 1 and fake.in_channel(closed) == []
    assert await drain(sqlite_app, client, clock) == 0  # given up: not tried again


async def test_server_and_network_errors_are_tried_again_next_round(sqlite_app, clock, fake, client):
    guild = fake.guild(bot_permissions=WITHOUT_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    await fake.connect(client)
    publish(sqlite_app, clock)
    fake.fail_next.append(discord.DiscordServerError(FakeResponse(502, "Bad Gateway"), {"code": 0}))
    assert await drain(sqlite_app, client, clock) == 0
    fake.fail_next.append(aiohttp.ClientConnectionError("connection reset"))
    assert await drain(sqlite_app, client, clock) == 0
    row = rows(sqlite_app)[str(snak)]
    assert row.status == "pending" and row.attempts == 2
    assert await drain(sqlite_app, client, clock) == 1
    assert len(fake.in_channel(snak)) == 1 and rows(sqlite_app)[str(snak)].status == "posted"


# -- the client's loop ---------------------------------------------------------------------------------

async def test_the_client_announces_once_ready_and_stops_on_close(sqlite_app, clock, fake, monkeypatch):
    guild = fake.guild(bot_permissions=WITH_EVENTS)
    snak = channel_of(guild)
    announce_in(sqlite_app, snak)
    publish(sqlite_app, clock)

    async def ready(self) -> None:  # READY comes over the gateway, which the fake does not run
        return None

    monkeypatch.setattr(SamtaleClient, "wait_until_ready", ready)
    monkeypatch.setattr(announcing, "EVERY_SECONDS", 0.01)
    client = await fake.connect(SamtaleClient(sqlite_app))
    loop_task = client._announcer
    assert loop_task is not None and loop_task.get_name() == "discord-announcements"
    for _ in range(200):
        if fake.in_channel(snak):
            break
        await asyncio.sleep(0.01)
    cards: list[Sent] = fake.in_channel(snak)
    assert len(cards) == 1 and len(fake.scheduled_events) == 1
    await client.close()
    assert loop_task.done() and client._announcer is None
