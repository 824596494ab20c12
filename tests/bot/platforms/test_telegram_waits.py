"""A chat waiting out its own 429 or backoff holds up nobody else, and gets its reply exactly once.

The adapter's senders are few and shared (here one, so that any sender held by a waiting chat would
show); the waits are held by the test until it lets them end, so "before the wait is over" is an
event, not a duration.
"""
from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Bot, Update

from bot.delivery.pacing import RateLimiter
from bot.platforms.telegram import TelegramPlatform
from bot.platforms.telegram.adapter import TelegramAdapter, _Job
from bot.platforms.telegram.inbound import to_incoming
from bot.platforms.telegram.outbound import ApiCall, Batch
from content.i18n import t
from handlers.core.types import Reply, ReplyKind
from bench.loopback.telegram_api import DROPPED, FakeTelegramAPI
from tests.support.telegram import _timedelta_retry_after, fake  # noqa: F401 - fixtures
from tests.support.telegram import OTHER, TOKEN, USER, Chat, Harness, help_text, on_telegram, running

pytestmark = pytest.mark.filterwarnings("error")

THIRD, FOURTH = 6161, 7171


class HeldWaits:
    """Stands in for the adapter's waits: records each one and holds it until the test ends it."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.entered = asyncio.Event()
        self._more = asyncio.Event()
        self._over = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.entered.set()
        self._more.set()
        await self._over.wait()

    async def reached(self, n: int) -> None:
        """Until `n` waits have begun."""
        while len(self.waits) < n:
            self._more.clear()
            await self._more.wait()

    def end(self) -> None:
        self._over.set()


def write(h: Harness, user: int, text: str) -> dict:
    return h.push(h.fake.user_message, user, text, language_code="da", first_name="Anna")


async def test_a_chat_waiting_out_its_429_holds_up_nobody_else(sqlite_app, fake: FakeTelegramAPI) -> None:  # noqa: F811
    held = HeldWaits()
    async for platform in running(sqlite_app, fake, held, connections=1):
        h = Harness(fake, platform)
        anna = Chat(h, USER)
        fake.rate_limit(USER, retry_after=6)
        write(h, USER, "/help")
        await asyncio.wait_for(held.entered.wait(), 5)
        write(h, USER, "/privacy")  # Anna again, while her chat waits: this stays behind her first reply
        write(h, OTHER, "/help")
        # Bo is answered while Anna's wait is not over, through the one sender there is.
        [bo] = await fake.wait_for_messages(OTHER, 1)
        assert bo.text == help_text("da")
        assert anna.sent == [] and held.waits == [6.0]
        held.end()
        await h.settle()
        texts = [m.text for m in anna.sent]
        assert len(texts) == 2 and texts[0] == help_text("da") and texts.count(help_text("da")) == 1
        assert [(r.params["chat_id"], r.error_code) for r in fake.rejected] == [(USER, 429)]


@pytest.mark.parametrize("fault", ["500", "dropped"])
async def test_a_chat_failing_once_gets_its_reply_once_after_its_backoff(sqlite_app, fake, fault) -> None:  # noqa: F811
    held = HeldWaits()
    async for platform in running(sqlite_app, fake, held, connections=1):
        h = Harness(fake, platform)
        if fault == "500":
            fake.fail_chat(USER, 500)
        else:
            fake.drop_chat(USER)
        write(h, USER, "/help")
        await asyncio.wait_for(held.entered.wait(), 5)
        write(h, OTHER, "/help")
        await fake.wait_for_messages(OTHER, 1)
        assert Chat(h, USER).sent == [] and held.waits == [0.5]
        held.end()
        await h.settle()
        assert [m.text for m in Chat(h, USER).sent] == [help_text("da")]
        assert [r.error_code for r in fake.rejected] == [500 if fault == "500" else DROPPED]


async def test_429s_on_several_chats_at_once_pause_bulk_but_one_chat_alone_does_not(sqlite_app, fake) -> None:  # noqa: F811
    bulk_waits: list[float] = []

    async def bulk_sleep(seconds: float) -> None:
        bulk_waits.append(seconds)

    bulk = RateLimiter(30, clock=lambda: 1000.0, sleep=bulk_sleep)  # the outbox's pace, its clock standing still
    held = HeldWaits()
    platform = TelegramPlatform(on_telegram(sqlite_app, fake), sleep=held, poll_timeout=1, bulk=bulk)
    await platform.start()
    try:
        h = Harness(fake, platform)
        fake.rate_limit(USER, retry_after=6)
        write(h, USER, "/help")
        await asyncio.wait_for(held.entered.wait(), 5)
        await bulk.acquire()
        assert bulk_waits == []  # one chat's own limit is that chat's business
        for chat in (OTHER, THIRD, FOURTH):  # three more at once
            fake.rate_limit(chat, retry_after=6)
            write(h, chat, "/help")
        await asyncio.wait_for(held.reached(4), 5)
        await bulk.acquire()
        assert bulk_waits and bulk_waits[0] >= 5.9  # the platform-wide limit: bulk waits it out first
        held.end()
        await h.settle()
        assert all(len(Chat(h, chat).sent) == 1 for chat in (USER, OTHER, THIRD, FOURTH))
    finally:
        await platform.stop()


async def test_a_batch_resumes_where_it_stopped_and_sends_nothing_twice(fake) -> None:  # noqa: F811
    fake.user_message(USER, "hej")
    fake.rate_limit(USER, retry_after=6, skip=1)  # the second call of the batch gets the 429
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        batch = Batch(USER, [ApiCall("send_message", {"text": "én"}), ApiCall("send_message", {"text": "to"})])
        assert await batch.advance(bot) == 6.0
        assert [m.text for m in fake.sent_messages(USER)] == ["én"]
        assert await batch.advance(bot) is None
    assert [m.text for m in fake.sent_messages(USER)] == ["én", "to"]
    assert batch.delivery.sent == 2 and batch.delivery.waited == 6.0


async def test_stopping_waits_at_most_its_time_and_leaves_no_chat_waiting(sqlite_app, fake, caplog) -> None:  # noqa: F811
    held = HeldWaits()
    async for platform in running(sqlite_app, fake, held):
        h = Harness(fake, platform)
        fake.rate_limit(USER, retry_after=20)
        write(h, USER, "/help")
        write(h, USER, "/privacy")  # behind the waiting one
        await asyncio.wait_for(held.entered.wait(), 5)
        await platform.adapter.drain(timeout=0.2)
        assert len(platform.adapter.waits) == 0 and platform.ordering.chats_in_flight == 0
        assert "stopping with 2 replies unsent (1 chats waiting out a limit)" in caplog.text
        assert platform.adapter.handled == 2  # both turns are finished, nothing left hanging
        [bo] = await Chat(h, OTHER).say("/help")  # and the adapter still works
        assert bo.text == help_text("da")
        assert Chat(h, USER).sent == []


async def test_a_crisis_reply_goes_ahead_of_replies_already_waiting_for_a_sender(sqlite_app, fake) -> None:  # noqa: F811
    adapter = TelegramAdapter(sqlite_app.dispatcher, sqlite_app.sessions, connections=1)
    async with Bot(TOKEN, base_url=fake.base_url) as bot:
        def job(user: int, reply: Reply) -> _Job:
            update = Update.de_json({**fake.user_message(user, "…", push=False), "update_id": user}, bot)
            return _Job(update, bot, to_incoming(update, bot_username=None, routes=adapter.routes), user, [reply], None, None)

        # Six chats' replies are ready at once for the one sender; the crisis reply came last.
        for user in range(100, 105):
            adapter._queue(job(user, Reply("kvittering")))
        adapter._queue(job(THIRD, Reply("Ring til Livslinien", kind=ReplyKind.CRISIS)))
        await adapter.wait_handled(6)
        await adapter.drain()
    assert [m.chat_id for m in fake.sent_messages()] == [THIRD, 100, 101, 102, 103, 104]


# -- one ERROR line per failed update -------------------------------------------------------------------------

SECRET_USER = 7345678901


def errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_failing_update_writes_one_error_line_with_its_id_and_handler(sqlite_app, fake, caplog,  # noqa: F811
                                                                              monkeypatch) -> None:
    async for platform in running(sqlite_app, fake, HeldWaits()):
        h = Harness(fake, platform)

        async def broken(incoming, *_, **__):
            raise RuntimeError(f"could not store {incoming.text!r} for {incoming.user_id}")

        monkeypatch.setattr(platform.adapter.dispatcher, "handle_kept", broken)
        update = write(h, SECRET_USER, "Min hemmelighed")
        await h.settle()
        [line] = errors(caplog)
        text = line.getMessage()
        assert f"telegram update {update['update_id']} (text) failed in the adapter: RuntimeError" in text
        assert "hemmelighed" not in text.lower() and str(SECRET_USER) not in text
        assert line.exc_info is None  # the traceback's last line would repeat the message


async def test_a_handler_failing_in_the_core_writes_one_error_line_with_the_update_and_handler(  # noqa: F811
        sqlite_app, fake, caplog, monkeypatch) -> None:  # noqa: F811
    async for platform in running(sqlite_app, fake, HeldWaits()):
        h = Harness(fake, platform)

        async def broken(ctx, *_):
            raise RuntimeError(f"could not store {ctx.incoming.text!r} for {ctx.incoming.user_id}")

        monkeypatch.setattr(platform.adapter.dispatcher, "_route", broken)
        update = write(h, SECRET_USER, "/help")
        await h.settle()
        [reply] = Chat(h, SECRET_USER).sent
        assert reply.text == t("da", "common.error")  # the person is told; nothing was stored
        [line] = errors(caplog)
        text = line.getMessage()
        assert (f"telegram update {update['update_id']} (command:help) failed in the core; nothing was stored: "
                "RuntimeError") in text
        assert str(SECRET_USER) not in text and "/help" not in text and line.exc_info is None


async def test_a_failure_while_sending_writes_one_error_line_and_the_others_are_answered(sqlite_app, fake,  # noqa: F811
                                                                                       caplog, monkeypatch) -> None:
    async for platform in running(sqlite_app, fake, HeldWaits(), connections=1):
        h = Harness(fake, platform)
        real = platform.adapter._extra_buttons
        words = "Min hemmelighed"

        def broken(incoming):
            if incoming.user_id == str(SECRET_USER):
                raise ValueError(f"{incoming.chat_id}: {words}")
            return real(incoming)

        monkeypatch.setattr(platform.adapter, "_extra_buttons", broken)
        update = write(h, SECRET_USER, "/help")
        await h.settle()
        [line] = errors(caplog)
        text = line.getMessage()
        assert f"telegram update {update['update_id']} (command:help) failed sending its replies: ValueError" in text
        assert str(SECRET_USER) not in text and "hemmelighed" not in text
        [bo] = await Chat(h, OTHER).say("/help")
        assert bo.text == help_text("da")
