"""Telegram inside `samtale run`: beside other platforms over one core, stopped by SIGTERM; update ordering."""
from __future__ import annotations

import asyncio
import io
import os
import signal
import functools
import threading
from collections.abc import AsyncIterator

import click
import pytest
from telegram import Update

from bot.platforms.console import run_console
from bot.platforms.telegram.adapter import PerChatProcessor
from bot.runner import run_platforms
from storage.models import Participant
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.test_telegram import USER, help_text, on_telegram, ptb_tasks

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


class OneLine(io.StringIO):
    """Console input: one line, then end of input; says when the console has handled the line."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.handled = threading.Event()
        self.reads = 0

    def readline(self, *args: object) -> str:  # type: ignore[override]
        self.reads += 1
        if self.reads == 2:  # the console asks for more only after answering the first line
            self.handled.set()
        return super().readline()


async def test_console_and_telegram_share_one_core_and_sigterm_stops_both_cleanly(sqlite_app, fake,
                                                                                  monkeypatch) -> None:
    stdin, out = OneLine("/start\n"), io.StringIO()
    monkeypatch.setattr("bot.runner.run_console", functools.partial(run_console, stdin=stdin, out=out))
    app = on_telegram(sqlite_app, fake)
    task = asyncio.create_task(run_platforms(app, ["console", "telegram"], console_user="ib"))
    fake.user_message(USER, "/help")
    [reply] = await fake.wait_for_messages(USER, 1)
    assert reply.text == help_text("da")
    assert await asyncio.get_running_loop().run_in_executor(None, stdin.handled.wait, 10)
    with app.sessions() as session:  # the console's /start reached the same database
        assert session.query(Participant).filter_by(platform="console", external_id="ib").count() == 1
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 10)  # returns normally: a requested stop is not an error
    assert ptb_tasks() == []
    assert "chatbot" in out.getvalue()


async def test_a_rejected_token_is_a_clear_cli_error(sqlite_app) -> None:
    async with FakeTelegramAPI(token="999:other") as strict:
        with pytest.raises(click.ClickException, match="telegram: Telegram rejected the bot token"):
            await run_platforms(on_telegram(sqlite_app, strict), ["telegram"], console_user="x")
    assert ptb_tasks() == []


def _update(chat_id: int, update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "x"}, "text": "hej"}}, None)


async def test_one_chat_in_order_while_other_chats_go_ahead() -> None:
    processor = PerChatProcessor(16)
    release = asyncio.Event()
    log: list[str] = []

    async def handle(name: str, wait: bool) -> None:
        log.append(f"{name} start")
        if wait:
            await release.wait()
        log.append(f"{name} end")

    first = asyncio.create_task(processor.process_update(_update(1, 1), handle("a1", True)))
    second = asyncio.create_task(processor.process_update(_update(1, 2), handle("a2", False)))
    other = asyncio.create_task(processor.process_update(_update(2, 3), handle("b1", False)))
    await other  # chat 2 is not held up by chat 1's slow update
    assert log == ["a1 start", "b1 start", "b1 end"]
    release.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["a1 end", "a2 start", "a2 end"]
    assert processor._tails == {}  # nothing kept once a chat is idle


async def test_an_update_cancelled_while_waiting_its_turn_is_closed_not_leaked() -> None:
    processor = PerChatProcessor(4)
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()

    async def never() -> None:  # pragma: no cover - must not run
        raise AssertionError("ran after cancellation")

    first = asyncio.create_task(processor.process_update(_update(1, 1), slow()))
    waiting = asyncio.create_task(processor.process_update(_update(1, 2), never()))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await first
