"""Samtale on Telegram against the loopback fake Bot API, for the tests: the core configured for it, a
running TelegramPlatform, and chats that speak, press buttons and wait until the bot has answered."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.app import App
from bot.config import TelegramSettings
from bot.delivery.pacing import RateLimiter
from bot.platforms.telegram import TelegramPlatform
from content.i18n import t
from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI, SentMessage

TOKEN = DEFAULT_TOKEN
USER = 4242
OTHER = 5151


class Sleeps:
    """Stands in for asyncio.sleep in the adapter's retries: records the waits, takes no time."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


def on_telegram(app: App, fake: FakeTelegramAPI, **telegram: object) -> App:
    """The same core (database, dispatcher), configured for Telegram against the fake."""
    settings = app.settings.model_copy(update={
        "telegram_token": TOKEN,
        "telegram": TelegramSettings(api_base_url=fake.base_url, api_base_file_url=fake.base_file_url, **telegram),
    })
    return replace(app, settings=settings)


def help_text(lang: str) -> str:
    return t(lang, "help.text", disclaimer=t(lang, "common.bot_disclaimer"))


def ptb_tasks() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks()
            if not t.done() and t.get_name().startswith(("Updater", "Application"))]


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it PTB warns while merely constructing RetryAfter; the adapter reads both forms.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


async def running(app: App, fake: FakeTelegramAPI, sleeps: Sleeps, **telegram: object) -> AsyncIterator[TelegramPlatform]:
    # Its own bulk limiter: the replies of one test must not slow the outbox of the next.
    platform = TelegramPlatform(on_telegram(app, fake, **telegram), sleep=sleeps, poll_timeout=1,
                                bulk=RateLimiter(30))
    await platform.start()
    try:
        yield platform
    finally:
        await platform.stop()
    assert ptb_tasks() == []


@pytest.fixture
async def tg(app, fake, sleeps) -> AsyncIterator[TelegramPlatform]:
    """Samtale polling the fake, on SQLite and on PostgreSQL."""
    async for platform in running(app, fake, sleeps):
        yield platform


@pytest.fixture
async def tg_lite(sqlite_app, fake, sleeps) -> AsyncIterator[TelegramPlatform]:
    """Samtale polling the fake, on SQLite only (for tests about Telegram, not about the database)."""
    async for platform in running(sqlite_app, fake, sleeps):
        yield platform


class Harness:
    """Pushes updates to the fake and waits until the bot has handled every one of them (no sleeps)."""

    def __init__(self, fake: FakeTelegramAPI, platform: TelegramPlatform) -> None:
        self.fake, self.platform, self.pushed = fake, platform, 0

    def push(self, build, *args: object, **kw: object) -> dict:
        self.pushed += 1
        return build(*args, **kw)

    async def settle(self) -> None:
        await self.platform.adapter.wait_handled(self.pushed)


class Chat:
    """One person's private chat (or a group) as the fake sees it: what they send, what comes back."""

    def __init__(self, h: Harness, user_id: int = USER, *, chat_id: int | None = None,
                 lang: str = "da", first_name: str = "Anna") -> None:
        self.h, self.fake = h, h.fake
        self.user_id, self.lang, self.first_name = user_id, lang, first_name
        self.chat_id = chat_id if chat_id is not None else user_id
        self.group = self.chat_id != user_id

    @property
    def sent(self) -> list[SentMessage]:
        return self.fake.sent_messages(self.chat_id)

    async def say(self, text: str, **kw: object) -> list[SentMessage]:
        """Send a message, wait until the bot has handled it, return the sends and edits it caused here."""
        before = len(self.sent)
        if self.group:
            self.h.push(self.fake.group_message, self.user_id, text, chat_id=self.chat_id, language_code=self.lang,
                        first_name=self.first_name, **kw)
        else:
            self.h.push(self.fake.user_message, self.user_id, text, language_code=self.lang,
                        first_name=self.first_name, **kw)
        await self.h.settle()
        return self.sent[before:]

    def keyboard_with(self, label: str) -> tuple[SentMessage, str]:
        for message in reversed(self.sent):
            for button in message.buttons:
                if label.casefold() in button["text"].casefold() and "callback_data" in button:
                    return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in {[m.buttons for m in self.sent]}")

    async def press(self, label: str) -> list[SentMessage]:
        """Press a button (by label) on the newest keyboard that has it."""
        message, data = self.keyboard_with(label)
        return await self.press_data(data, message.message_id)

    async def press_data(self, data: str, message_id: int) -> list[SentMessage]:
        before = len(self.sent)
        self.h.push(self.fake.callback_press, self.user_id, data, message_id=message_id, chat_id=self.chat_id,
                    language_code=self.lang)
        await self.h.settle()
        return self.sent[before:]

    async def onboard(self) -> None:
        await self.say("/start")
        await self.press("Ja, jeg giver samtykke")
        await self.press("Dansk")
        await self.press("30–49")
        await self.say("Aarhus")
        await self.press("Ja, anonymt")


@pytest.fixture
def h(fake, request) -> Harness:
    platform = request.getfixturevalue("tg_lite" if "tg_lite" in request.fixturenames else "tg")
    return Harness(fake, platform)
