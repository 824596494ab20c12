"""Issue 25 on Telegram: /forget and withdrawal delete the bot's own messages that showed the person's
data (within Telegram's 48 hours), forget their ids, and say truthfully what stays in the chat."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from telegram.error import BadRequest

from bot.app import App
from bot.config import TelegramSettings
from bot.platforms.telegram import TelegramPlatform
from content.i18n import t
from storage.message_models import PlatformMessage
from storage.models import Participant, Reflection
from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, SentMessage

pytestmark = pytest.mark.filterwarnings("error")

USER = 4343


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
async def tg(sqlite_app: App, fake: FakeTelegramAPI) -> AsyncIterator[TelegramPlatform]:
    settings = sqlite_app.settings.model_copy(update={
        "telegram_token": DEFAULT_TOKEN,
        "telegram": TelegramSettings(api_base_url=fake.base_url, api_base_file_url=fake.base_file_url)})
    platform = TelegramPlatform(replace(sqlite_app, settings=settings), sleep=_no_sleep, poll_timeout=1)
    await platform.start()
    try:
        yield platform
    finally:
        await platform.stop()


class Person:
    """Anna's private chat, pushed through the fake; each step waits until the bot has handled it."""

    def __init__(self, fake: FakeTelegramAPI, tg: TelegramPlatform) -> None:
        self.fake, self.tg, self.pushed = fake, tg, 0

    @property
    def sent(self) -> list[SentMessage]:
        return self.fake.sent_messages(USER)

    async def say(self, text: str) -> list[SentMessage]:
        before = len(self.sent)
        self.pushed += 1
        self.fake.user_message(USER, text, first_name="Anna")
        await self.tg.adapter.wait_handled(self.pushed)
        return self.sent[before:]

    async def press(self, label: str) -> list[SentMessage]:
        message, data = next((m, b["callback_data"]) for m in reversed(self.sent) for b in m.buttons
                             if label.casefold() in b["text"].casefold() and "callback_data" in b)
        before = len(self.sent)
        self.pushed += 1
        self.fake.callback_press(USER, data, message_id=message.message_id, chat_id=USER)
        await self.tg.adapter.wait_handled(self.pushed)
        return self.sent[before:]

    async def onboard(self) -> None:
        await self.say("/start")
        await self.press("Ja, jeg giver samtykke")
        await self.press("Dansk")
        await self.press("30–49")
        await self.say("Aarhus")
        await self.press("Ja, anonymt")


def rows(app: App, model) -> int:
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


async def test_forget_deletes_the_bots_personal_messages_and_their_ids(sqlite_app, fake, tg) -> None:
    anna = Person(fake, tg)
    await anna.onboard()
    [receipt] = await anna.say("Jeg spiser alene hver aften.")
    summary, document = await anna.say("/mydata")
    assert "Jeg spiser alene" in summary.text and document.method == "sendDocument"
    assert rows(sqlite_app, PlatformMessage) == 0  # noted in a batch, written within a second …
    tg.adapter.sent_log.flush()
    assert rows(sqlite_app, PlatformMessage) == 3  # … receipt, summary, file: ids only

    await anna.say("/forget")
    *_, done = await anna.press("Ja, slet alt")

    deleted = {m for chat, m in fake.deleted if chat == USER}
    assert {receipt.message_id, summary.message_id, document.message_id} <= deleted
    still_there = fake.present(USER)
    # No message the bot sent that showed her words or data is left in the chat …
    shown = [m for m in anna.sent if not m.edited and m.message_id in still_there
             and ("Jeg spiser alene" in (m.text or "") or m.method == "sendDocument")]
    assert shown == []
    # … her own messages stay (only she can delete them), and the confirmation says so, and how.
    assert done.text == t("da", "forget.done", remains=t("da", "privacy.remains.telegram"))
    assert "kun du slette" in done.text and "48 timer" in done.text
    assert rows(sqlite_app, PlatformMessage) == 0 and rows(sqlite_app, Participant) == 0


async def test_messages_older_than_48_hours_stay_and_the_confirmation_names_them(sqlite_app, fake, tg) -> None:
    anna = Person(fake, tg)
    await anna.onboard()
    old_summary, old_file = await anna.say("/mydata")
    fake.backdate(USER, old_summary.message_id, 49 * 3600)
    fresh_summary, _ = await anna.say("/mydata")

    await anna.say("/forget")
    *_, done = await anna.press("Ja, slet alt")

    present = fake.present(USER)
    assert old_summary.message_id in present  # Telegram refuses: older than 48 hours
    assert old_file.message_id not in present and fresh_summary.message_id not in present
    assert "over 48 timer" in done.text
    # The ids are forgotten whether or not Telegram let the bot delete the message.
    assert rows(sqlite_app, PlatformMessage) == 0


async def test_withdrawal_with_deletion_deletes_the_messages_but_keeps_the_person(sqlite_app, fake, tg) -> None:
    anna = Person(fake, tg)
    await anna.onboard()
    [receipt] = await anna.say("Det er svært at finde nogen at tale med.")
    await anna.say("/withdraw")
    *_, done = await anna.press("slet mine refleksioner")

    assert receipt.message_id not in fake.present(USER)
    assert done.text == t("da", "withdraw.done_deleted", remains=t("da", "privacy.remains.telegram"))
    assert rows(sqlite_app, PlatformMessage) == 0 and rows(sqlite_app, Reflection) == 0
    assert rows(sqlite_app, Participant) == 1


async def test_the_fake_bot_api_applies_telegrams_rules_for_deleting(fake, tg) -> None:
    bot = tg.application.bot
    group = fake.group_message(USER, "hej alle", push=False)["message"]
    private = fake.user_message(USER, "hej", push=False)["message"]
    own = await bot.send_message(USER, "Det har vi gemt om dig")
    with pytest.raises(BadRequest, match="can't be deleted"):  # someone else's, in a group, not an admin
        await bot.delete_message(group["chat"]["id"], group["message_id"])
    assert await bot.delete_message(USER, private["message_id"])  # incoming, in a private chat
    fake.backdate(USER, own.message_id, 48 * 3600)
    with pytest.raises(BadRequest, match="can't be deleted"):  # 48 hours old
        await bot.delete_message(USER, own.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.delete_message(USER, private["message_id"])
