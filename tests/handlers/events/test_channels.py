"""Announcements in public channels: count-only cards (never names), rendered on the Telegram fake."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.platforms.telegram.announcements import drain_announcements
from handlers.events.config import EventsConfig
from handlers.events.channels import pending_announcements
from storage.event_models import EventAnnouncement
from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import become_organiser, press, seed_people, use_events

GROUP = -1001234567890


@pytest.fixture(autouse=True)
def channels(app):
    use_events(app, EventsConfig(channels={"telegram": {"Aarhus": (str(GROUP), "@aarhus_faellesskab")},
                                           "discord": {"Aarhus": ("123456789012345678",)}}))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


async def drain(app, bot: Bot, now) -> int:
    """The Telegram adapter's own announcement round (bot/platforms/telegram/announcements.py)."""
    return await drain_announcements(app.sessions, bot, now)


async def announce_one(app, person, clock) -> None:
    olga = person("olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    await olga.say("/newevent")
    await olga.say("Fællesspisning")
    await olga.press("Spring over")
    await olga.say("5/12 kl. 18")
    await olga.press("Ja, det passer")
    for step in ("2 timer", "Medborgerhuset", "Aarhus", "10"):
        await olga.say(step)
    for button in ("Dansk", "For alle", "Spring over", "Nej"):
        await olga.press(button)
    said = await olga.press("Offentliggør")
    assert "slået op i 3 kanal(er)" in said


async def test_new_event_posted_as_a_count_only_card_and_edited_as_people_sign_up(app, person, clock, fake):
    await announce_one(app, person, clock)
    async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
        assert await drain(app, bot, clock()) == 2
        [card] = fake.sent_messages(GROUP)
        assert "Fællesspisning" in card.text and "0 af 10 pladser" in card.text
        assert "lørdag den 5. december kl. 18.00–20.00" in card.text and "ev_1" not in card.text
        [url] = [b["url"] for row in card.reply_markup["inline_keyboard"] for b in row]
        assert url == "https://t.me/samtale_test_bot?start=ev_1"
        assert len(fake.sent_messages("@aarhus_faellesskab")) == 1
        assert await drain(app, bot, clock()) == 0  # nothing new: nothing sent twice

        anna = person("anna")
        await anna.onboard()
        await anna.say("/start ev_1")
        await anna.press("Tilmeld mig")
        await anna.say("Anna Andersen")
        a, b = seed_people(app, 2)
        await press(app, a, "ev:s:1")
        assert await drain(app, bot, clock()) == 2
        edit = fake.sent_messages(GROUP)[-1]
        assert edit.edited and "2 af 10 pladser" in edit.text
        for sent in fake.sent_messages():
            assert "Anna" not in (sent.text or "") and "anna" not in (sent.text or "")

        olga_cancels = person("olga")
        await olga_cancels.say("/myevents")
        await olga_cancels.press("Aflys")
        await olga_cancels.press("Aflys uden besked")
        await olga_cancels.press("Ja, aflys")
        assert await drain(app, bot, clock()) == 2
        assert "aflyst" in fake.sent_messages(GROUP)[-1].text
    # The Discord row waits for the Discord adapter.
    with app.sessions() as s:
        pending = pending_announcements(s, "discord", clock())
    assert [(p.channel_ref, p.message_ref, p.title) for p in pending] == [("123456789012345678", None, "Fællesspisning")]
    assert pending[0].ends_at - pending[0].starts_at == __import__("datetime").timedelta(hours=2)


async def test_a_channel_that_refuses_is_given_up_after_attempts(app, person, clock, fake):
    await announce_one(app, person, clock)
    fake.block_chat(GROUP)
    async with Bot(DEFAULT_TOKEN, base_url=fake.base_url) as bot:
        assert await drain(app, bot, clock()) == 1  # the other channel
    with app.sessions() as s:
        rows = {r.channel: r for r in s.query(EventAnnouncement).all()}
    assert rows[str(GROUP)].status == "failed" and rows["@aarhus_faellesskab"].status == "posted"


async def test_no_channels_configured_no_announcements(app, person, clock):
    use_events(app)
    from tests.support.events import seed_event

    seed_event(app, clock())
    with app.sessions() as s:
        assert pending_announcements(s, "telegram", clock()) == []


async def test_a_card_kept_up_to_date_for_weeks_survives_scattered_failures(app, person, clock):
    from handlers.events.channels import MAX_ATTEMPTS, announcement_failed, announcement_posted, mark_stale

    await announce_one(app, person, clock)
    with app.sessions() as s:
        row_id, event_id = s.query(EventAnnouncement.id, EventAnnouncement.event_id).filter_by(platform="discord").one()

    def step(*calls) -> None:  # each in its own session, as the drain's rounds are
        with app.sessions() as s:
            for call in calls:
                call(s)
            s.commit()

    step(lambda s: announcement_posted(s, row_id, "555", clock()))
    # Each week a hiccup, then the edit goes through: never MAX_ATTEMPTS failures in a row.
    for _ in range(2 * MAX_ATTEMPTS):
        step(lambda s: mark_stale(s, event_id))
        step(lambda s: announcement_failed(s, row_id, "discord 503"))
        step(lambda s: announcement_posted(s, row_id, None, clock()))
    # This week's hiccup is retried like the first one was, not taken as the last straw.
    step(lambda s: mark_stale(s, event_id))
    step(lambda s: announcement_failed(s, row_id, "discord 503"))
    with app.sessions() as s:
        assert [p.message_ref for p in pending_announcements(s, "discord", clock())] == ["555"]
