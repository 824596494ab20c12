"""Telegram, durable: the webhook says 200 only for what is stored, a balancer can probe and drain a process,
and replies a stopped process could not send are sent by the next one."""
from __future__ import annotations

import asyncio
import socket
from dataclasses import replace

import aiohttp
from sqlalchemy import func, select

from storage.models import ProcessedMessage
from storage.reply_models import PendingReply
from tests.support.telegram import _timedelta_retry_after, fake, sleeps  # noqa: F401 - fixtures
from tests.support.telegram import USER, help_text, running


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_the_webhook_answers_200_only_once_the_update_is_stored_and_drains_with_503(sqlite_app, fake,
                                                                                           sleeps) -> None:  # noqa: F811
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = replace(sqlite_app, settings=sqlite_app.settings.model_copy(update={"telegram_webhook_secret": "s3cret"}))
    async for platform in running(app, fake, sleeps, mode="webhook", webhook_url=f"{base}/hook", listen="127.0.0.1",
                                  port=port):
        async with aiohttp.ClientSession() as http:
            assert (await http.get(f"{base}/healthz")).status == 200
            assert (await http.get(f"{base}/readyz")).status == 200
            update = fake.user_message(USER, "/help", push=False)
            assert await fake.deliver_webhook(f"{base}/hook", dict(update), secret_token="s3cret") == 200
            # Told "received" only now: what it said is already committed (PTB's own webhook said 200 first).
            assert count(app, ProcessedMessage) == 1
            [reply] = await fake.wait_for_messages(USER, 1)
            assert reply.text == help_text("da")
            # Telegram sends it again (it never saw our 200): stored once, answered once.
            assert await fake.deliver_webhook(f"{base}/hook", dict(update), secret_token="s3cret") == 200
            assert count(app, ProcessedMessage) == 1
            await platform.webhook.drain(1.0)  # as SIGTERM does first
            assert (await http.get(f"{base}/readyz")).status == 503
            assert (await http.get(f"{base}/healthz")).status == 200
            later = fake.user_message(USER + 1, "/help", push=False)
            assert await fake.deliver_webhook(f"{base}/hook", later, secret_token="s3cret") == 503
    assert len(fake.sent_messages(USER)) == 1 and count(app, ProcessedMessage) == 1


async def test_replies_stuck_behind_a_429_at_sigterm_are_sent_by_the_next_process(app, fake) -> None:  # noqa: F811
    chats = [USER + i for i in range(5)]
    fake.rate_limit(retry_after=20, times=len(chats))  # each chat's first send: wait 20 s
    async for platform in running(app, fake, asyncio.sleep, drain_seconds=0.2):
        for chat in chats:
            fake.user_message(chat, "/help")
        async with asyncio.timeout(10):
            while len(fake.rejected) < len(chats):
                await asyncio.sleep(0.01)
    # Stopped (drained for 0.2 s) with every receipt unsent: all kept, none lost.
    assert all(fake.sent_messages(chat) == [] for chat in chats)
    assert count(app, PendingReply) == len(chats)
    async for platform in running(app, fake, asyncio.sleep):
        for chat in chats:
            [reply] = await fake.wait_for_messages(chat, 1)
            assert reply.text == help_text("da")
        async with asyncio.timeout(10):  # each row is forgotten once its reply is out
            while count(app, PendingReply):
                platform.kept.flush()
                await asyncio.sleep(0.01)
    assert all(len(fake.sent_messages(chat)) == 1 for chat in chats)



async def test_polling_confirms_an_update_to_telegram_only_once_it_is_stored(sqlite_app, fake, sleeps,
                                                                              monkeypatch) -> None:  # noqa: F811
    async for platform in running(sqlite_app, fake, sleeps):
        real, stored = platform.adapter.dispatcher.handle_kept, asyncio.Event()

        async def slow_to_store(incoming, keep, **kw):
            await stored.wait()  # as a commit waiting for the database
            return await real(incoming, keep, **kw)

        monkeypatch.setattr(platform.adapter.dispatcher, "handle_kept", slow_to_store)
        fake.user_message(USER, "/help")
        polls = fake.poll_count
        async with asyncio.timeout(10):
            while fake.poll_count < polls + 2:  # fetched it, and asked again since
                await asyncio.sleep(0.01)
        # PTB's own polling would have confirmed it by now, and a kill here would lose it.
        assert fake.pending_updates == 1 and count(sqlite_app, ProcessedMessage) == 0
        stored.set()
        [reply] = await fake.wait_for_messages(USER, 1)
        assert reply.text == help_text("da")
    assert fake.pending_updates == 0  # confirmed at the stop at the latest: a restart does not see it again
