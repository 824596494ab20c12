"""Crisis language in a Telegram group is never answered there: a neutral offer in the group, the crisis
reply in the private chat it opens. Real python-telegram-bot against the loopback fake Bot API."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.config import TelegramSettings
from bot.platforms.telegram import TelegramPlatform
from content.i18n import t
from engines.crisis import crisis_reply
from storage.models import FlowState, Participant, Reflection
from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, SentMessage

pytestmark = pytest.mark.filterwarnings("error")

USER, FRIEND, GROUP = 4242, 5151, -1001234567890
# What would tell the group what was said: the reply's words, or any help line in it.
REVEALING = ("Livslinien", "70 201 201", "112", "116 111", "BørneTelefonen", "Livet", "leve")


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def tg(app: App, fake: FakeTelegramAPI) -> AsyncIterator[TelegramPlatform]:
    settings = app.settings.model_copy(update={
        "telegram_token": DEFAULT_TOKEN,
        "telegram": TelegramSettings(api_base_url=fake.base_url, api_base_file_url=fake.base_file_url),
    })
    platform = TelegramPlatform(replace(app, settings=settings), sleep=_no_sleep, poll_timeout=1)
    await platform.start()
    try:
        yield platform
    finally:
        await platform.stop()


class Person:
    """One Telegram user, writing in the group or in their private chat with the bot."""

    def __init__(self, fake: FakeTelegramAPI, tg: TelegramPlatform, user_id: int, pushed: list[int]) -> None:
        self.fake, self.tg, self.user_id, self.pushed = fake, tg, user_id, pushed

    async def _settle(self) -> None:
        self.pushed[0] += 1
        await self.tg.adapter.wait_handled(self.pushed[0])

    async def in_group(self, text: str) -> list[SentMessage]:
        before = len(self.fake.sent_messages(GROUP))
        self.fake.group_message(self.user_id, text, chat_id=GROUP, language_code="da")
        await self._settle()
        return self.fake.sent_messages(GROUP)[before:]

    async def privately(self, text: str) -> list[SentMessage]:
        before = len(self.fake.sent_messages(self.user_id))
        self.fake.user_message(self.user_id, text, language_code="da")
        await self._settle()
        return self.fake.sent_messages(self.user_id)[before:]

    async def open_link(self, url: str) -> list[SentMessage]:
        """What Telegram does when t.me/<bot>?start=<payload> is opened: /start <payload> in the private chat."""
        [payload] = parse_qs(urlparse(url).query)["start"]
        return await self.privately(f"/start {payload}")


@pytest.fixture
def people(fake, tg):
    pushed = [0]
    return lambda user_id=USER: Person(fake, tg, user_id, pushed)


def count(app: App, model) -> int:
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_reveals_nothing(message: SentMessage) -> None:
    shown = " ".join([message.text or ""] + [b.get("text", "") for b in message.buttons])
    assert crisis_reply("da") not in shown
    assert not [word for word in REVEALING if word.lower() in shown.lower()], shown
    assert "reply_parameters" not in message.params and "reply_to_message_id" not in message.params


@pytest.mark.parametrize("said", [
    "/help jeg vil ikke leve mere",
    "/help@samtale_test_bot jeg vil ikke leve mere, jeg vil tage mit eget liv",
    "/mydata jeg vil ikke leve mere",  # a private-only command with crisis words: the same neutral offer
])
async def test_crisis_words_in_a_group_get_a_neutral_offer_and_the_reply_in_private(app, fake, people, said):
    anna = people()
    [offer] = await anna.in_group(said)
    assert offer.chat_id == GROUP
    assert offer.text == t("da", "common.private_offer")
    assert_reveals_nothing(offer)
    [link] = [b["url"] for b in offer.buttons if "url" in b]
    assert link.startswith(f"https://t.me/{fake.bot_username}?start=")
    # Nothing she wrote in the group, and nothing about her, is stored.
    assert count(app, Participant) == count(app, Reflection) == count(app, FlowState) == 0

    # She opens the private chat: the crisis reply comes first, then the ordinary welcome.
    got = await anna.open_link(link)
    assert got[0].chat_id == USER and got[0].text == crisis_reply("da")
    assert "Må jeg gemme det, du skriver" in got[-1].text
    with app.sessions() as session:  # the link's payload is not kept as where she came from
        assert [s.data.get("payload") for s in session.scalars(select(FlowState))] == [""]
    assert all(m.chat_id != GROUP for m in got)


async def test_nothing_sent_to_the_group_ever_carries_the_crisis_reply(app, fake, people):
    anna, friend = people(), people(FRIEND)
    await anna.in_group("/help jeg vil ikke leve mere")
    [offer] = fake.sent_messages(GROUP)
    [link] = [b["url"] for b in offer.buttons if "url" in b]
    # Someone else who opens the same link gets the ordinary welcome, not her crisis reply.
    got = await friend.open_link(link)
    assert all(crisis_reply("da") != m.text for m in got) and "Må jeg gemme det, du skriver" in got[-1].text
    await anna.open_link(link)
    # An ordinary command in the group is still answered there, threaded to it.
    [help_] = await anna.in_group("/help")
    assert help_.params.get("reply_parameters")
    for message in fake.sent_messages(GROUP):
        assert crisis_reply("da") not in (message.text or "")


async def test_crisis_words_in_the_private_chat_still_get_the_reply_at_once(app, fake, people):
    got = await people().privately("/help jeg vil ikke leve mere")
    assert got[0].text == crisis_reply("da")


async def test_repeated_crisis_words_in_a_group_do_not_repeat_the_offer_within_a_minute(app, fake, people, clock):
    anna, friend = people(), people(FRIEND)
    assert len(await anna.in_group("/help jeg vil ikke leve mere")) == 1
    assert await anna.in_group("/help jeg vil ikke leve mere") == []  # the offer still stands
    assert len(await friend.in_group("/help jeg vil ikke leve mere")) == 1  # each person has their own
    clock.advance(minutes=1)
    [again] = await anna.in_group("/help jeg vil ikke leve mere")
    assert again.text == t("da", "common.private_offer")


async def test_crisis_words_addressed_to_the_bot_in_a_group_get_the_offer_not_silence(app, fake, people):
    anna = people()
    [offer] = await anna.in_group(f"@{fake.bot_username} jeg vil ikke leve mere")
    assert offer.text == t("da", "common.private_offer")
    assert_reveals_nothing(offer)
    # Other words addressed to the bot are pointed to a private chat; unaddressed ones reach nobody.
    [pointer] = await people(FRIEND).in_group(f"@{fake.bot_username} hej, hvad kan du?")
    assert pointer.text == t("da", "common.group_only_private")
    assert await people(FRIEND).in_group("jeg vil ikke leve mere") == []
    assert count(app, Participant) == count(app, Reflection) == 0
