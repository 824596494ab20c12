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

from bot.platforms.console import make_console, run_console
from bot.platforms.telegram.ordering import PerChatProcessor
from bot.runner import run_platforms
from storage.models import Participant
from bench.loopback.telegram_api import FakeTelegramAPI
from tests.support.telegram import USER, help_text, on_telegram, ptb_tasks

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
    monkeypatch.setattr("bot.runner.make_console", functools.partial(make_console, out=out))
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


async def test_one_chat_in_order_in_both_stages_while_other_chats_go_ahead() -> None:
    processor = PerChatProcessor(16)
    gates = {name: asyncio.Event() for name in ("a1 send", "b1 send")}
    log: list[str] = []

    async def handle(update: Update, name: str) -> None:
        # What the adapter does: through the core in turn, then send in turn.
        turn = processor.turn_for(update)
        await turn.may_dispatch()
        log.append(f"{name} core")
        turn.done_dispatching()
        await turn.may_send()
        if f"{name} send" in gates:
            await gates[f"{name} send"].wait()
        log.append(f"{name} sent")

    updates = [(_update(1, 1), "a1"), (_update(1, 2), "a2"), (_update(2, 3), "b1"), (_update(2, 4), "b2")]
    tasks = [asyncio.create_task(processor.process_update(u, handle(u, n))) for u, n in updates]
    for _ in range(5):
        await asyncio.sleep(0)
    # Everyone's second message is already through the core; no reply has overtaken the first.
    assert log == ["a1 core", "a2 core", "b1 core", "b2 core"]
    gates["b1 send"].set()
    await tasks[3]  # chat 2 finishes while chat 1's first reply is still held up
    assert log[4:] == ["b1 sent", "b2 sent"]
    gates["a1 send"].set()
    await asyncio.gather(*tasks)
    assert log[6:] == ["a1 sent", "a2 sent"]
    assert processor.chats_in_flight == 0  # nothing kept once a chat is idle


async def test_an_update_cancelled_while_waiting_its_turn_does_not_block_its_chat() -> None:
    processor = PerChatProcessor(4)
    release = asyncio.Event()

    async def slow(update: Update) -> None:
        turn = processor.turn_for(update)
        await release.wait()
        turn.done_dispatching()

    async def waits(update: Update) -> None:
        await processor.turn_for(update).may_dispatch()
        raise AssertionError("ran after cancellation")  # pragma: no cover

    async def later(update: Update) -> None:
        await processor.turn_for(update).may_dispatch()

    a, b, c = _update(1, 1), _update(1, 2), _update(1, 3)
    first = asyncio.create_task(processor.process_update(a, slow(a)))
    waiting = asyncio.create_task(processor.process_update(b, waits(b)))
    third = asyncio.create_task(processor.process_update(c, later(c)))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not first.done()  # the cancellation did not reach the update before it
    release.set()
    await asyncio.gather(first, third)
    assert processor.chats_in_flight == 0
