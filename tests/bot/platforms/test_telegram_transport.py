"""The aiohttp transport for python-telegram-bot, and the httpx option, against the loopback fake."""
from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.platforms.telegram import TelegramPlatform
from bot.platforms.telegram.transport import AiohttpRequest
from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from tests.support.telegram import USER, Chat, Harness, Sleeps, help_text, on_telegram, ptb_tasks

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


async def test_text_files_and_errors_over_aiohttp(fake) -> None:
    async with Bot(DEFAULT_TOKEN, base_url=fake.base_url, request=AiohttpRequest(4),
                   get_updates_request=AiohttpRequest(1)) as bot:
        message = await bot.send_message(USER, "Hej 👋 æøå", reply_markup={"inline_keyboard": [[
            {"text": "Ja", "callback_data": "x:1"}]]})
        assert message.text == "Hej 👋 æøå" and message.reply_markup.inline_keyboard[0][0].callback_data == "x:1"
        body = json.dumps({"ok": True}).encode()
        await bot.send_document(USER, InputFile(body, filename="samtale-mydata.json"), caption="Dine data")
        [doc] = fake.documents(USER)
        assert (doc.filename, doc.data, doc.caption) == ("samtale-mydata.json", body, "Dine data")
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(USER, " ")


async def test_connection_refused_is_a_network_error_and_a_hang_a_timeout() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    async with AiohttpRequest(1) as request:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{closed_port}/bot1:x/getMe")

    # A server that accepts connections (the kernel does, from the backlog) and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        async with AiohttpRequest(1, read_timeout=0.05) as request:
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")


async def test_the_httpx_option_runs_the_same_conversation(sqlite_app, fake) -> None:
    platform = TelegramPlatform(on_telegram(sqlite_app, fake, http_client="httpx"), sleep=Sleeps(), poll_timeout=1)
    await platform.start()
    try:
        h = Harness(fake, platform)
        [reply] = await Chat(h).say("/help")
        assert reply.text == help_text("da")
        await Chat(h).onboard()
        await Chat(h).say("Vi spiser sammen i opgangen hver fredag.")
        summary, document = await Chat(h).say("/mydata")
        assert document.method == "sendDocument" and fake.documents(USER)[0].data
    finally:
        await platform.stop()
    assert ptb_tasks() == []
