"""End to end through the loopback Telegram Bot API with the real python-telegram-bot: a prompt reaches
200 subscribers at the platform's pace (429 with retry_after and 403 for some chats), and their answers,
typed or pressed, come back through the Telegram adapter as reflections on that prompt."""
from __future__ import annotations

import asyncio
import time

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.config import TelegramSettings
from bot.delivery.broadcast import broadcast_prompt
from bot.delivery.pacing import PlatformLimits, RateLimiter
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from bot.platforms.telegram import TelegramPlatform
from bot.platforms.telegram.sender import TelegramSender
from content.campaigns import load_campaigns
from storage.campaign_models import OutboxMessage
from storage.models import Contact, Reflection
from bench.loopback.subscribers import add_subscribers
from bench.loopback.telegram_api import FakeTelegramAPI

TOKEN = "123456789:TEST-token_for_the_fake_api"
PROMPT = load_campaigns()[0].prompt("foerste-skridt")  # has quick replies
FIRST_USER = 700_001
RATE_LIMITED = [FIRST_USER + i for i in (3, 50, 120)]
BLOCKED = [FIRST_USER + i for i in (7, 77, 177)]


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


async def test_a_prompt_reaches_200_subscribers_and_answers_come_back_linked(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 200, start=FIRST_USER)
    now = app.clock()  # the answers below are read by the dispatcher on this clock
    with app.sessions.begin() as s:
        assert broadcast_prompt(s, PROMPT, now=now, send_at=now).queued == 200

    async with FakeTelegramAPI(max_per_second=150, per_chat_per_second=1) as fake:
        for chat in RATE_LIMITED:
            fake.rate_limit(chat, retry_after=1)
        for chat in BLOCKED:
            fake.block_chat(chat)
        sender = TelegramSender.from_settings(TOKEN, fake.base_url, fake.base_file_url)
        await sender.start()
        settings = WorkerSettings(limits=PlatformLimits(rate=120, per_chat_interval=1.0), poll_seconds=0.05,
                                  quiet=QuietHours.parse("00:00", "00:00"))
        # The worker's clock runs from the app's (the 429s' retry_after must come due), whatever today is.
        started = time.monotonic()
        worker = Worker(app.sessions, sender, settings, rate_limiter=RateLimiter(120),
                        clock=lambda: now + timedelta(seconds=time.monotonic() - started))
        await worker.drain(timeout=60)
        await sender.close()

        # Every reachable subscriber got the prompt exactly once; the blocked ones none.
        delivered = [m for m in fake.sent_messages() if m.method == "sendMessage"]
        per_chat: dict[int, int] = {}
        for m in delivered:
            per_chat[m.chat_id] = per_chat.get(m.chat_id, 0) + 1
        assert len(per_chat) == 197 and set(per_chat.values()) == {1}
        assert not set(BLOCKED) & set(per_chat)
        assert {r.error_code for r in fake.rejected} == {403, 429}
        assert sorted(r.params["chat_id"] for r in fake.rejected if r.error_code == 429) == RATE_LIMITED
        assert worker.stats["retry_after"] == 3 and worker.stats["blocked"] == 3
        assert max(fake.throughput()) <= 150
        message = fake.sent_messages(FIRST_USER)[0]
        assert PROMPT.text["da"] in message.text
        assert [b["text"] for b in message.buttons] == ["En at følges med", "At vide, hvad der skal ske",
                                                        "At nogen tager imod mig", "Svar", "Ikke nu"]
        with app.sessions() as s:
            by_status = dict(s.execute(select(OutboxMessage.status, func.count())
                                       .group_by(OutboxMessage.status)).all())
            assert by_status == {"sent": 197, "blocked": 3}
            assert s.scalar(select(func.count()).select_from(Contact).where(Contact.reachable.is_(False))) == 3

        # Answers, through the real Telegram adapter: typed, after "Svar", and a quick reply.
        tg_app = replace(app, settings=app.settings.model_copy(update={
            "telegram_token": TOKEN,
            "telegram": TelegramSettings(api_base_url=fake.base_url, api_base_file_url=fake.base_file_url)}))
        platform = TelegramPlatform(tg_app, poll_timeout=1)
        await platform.start()
        try:
            typed, answer_button, quick = FIRST_USER, FIRST_USER + 1, FIRST_USER + 2
            fake.user_message(typed, "Hvis nogen fra foreningen ringede til mig først")
            msg = fake.sent_messages(answer_button)[0]
            fake.callback_press(answer_button, msg.callback_data[3], message_id=msg.message_id)
            msg = fake.sent_messages(quick)[0]
            fake.callback_press(quick, msg.callback_data[0], message_id=msg.message_id)
            await platform.adapter.wait_handled(3, timeout=30)
            fake.user_message(answer_button, "At der er kaffe på kanden")
            await platform.adapter.wait_handled(4, timeout=30)
        finally:
            await platform.stop()

    with app.sessions() as s:
        rows = sorted((int(r.participant.external_id), r.text, r.prompt_id) for r in s.scalars(select(Reflection)))
    assert rows == [(typed, "Hvis nogen fra foreningen ringede til mig først", PROMPT.ref),
                    (answer_button, "At der er kaffe på kanden", PROMPT.ref),
                    (quick, "En at følges med", PROMPT.ref)]
    assert any("Skriv dit svar her" in (m.text or "") for m in fake.sent_messages(answer_button))


async def test_samtale_run_delivers_a_send_now_on_telegram_and_links_the_answer(tmp_path):
    """The whole program as deployed: `samtale run --platform telegram` (adapter, scheduler, outbox)."""
    import os
    import signal
    import sys
    from pathlib import Path

    from bot.delivery.quiet_hours import QuietHours as QH
    from bot.scheduling.cadence import send_now
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade

    root = Path(__file__).resolve().parents[2]
    url = f"sqlite:///{tmp_path / 'samtale.db'}"
    engine = make_engine(url)
    upgrade(engine, url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        add_subscribers(s, 5, start=FIRST_USER)
    now = datetime.now(timezone.utc)
    prompt = load_campaigns()[0].prompts[0]
    assert send_now(sessions, prompt, now=now, quiet=QH.parse("00:00", "00:00")).queued == 5
    async with FakeTelegramAPI() as fake:
        (tmp_path / "samtale.toml").write_text(
            f'platforms = ["telegram"]\n[database]\nurl = "{url}"\n'
            f'[telegram]\napi_base_url = "{fake.base_url}"\napi_base_file_url = "{fake.base_file_url}"\n'
            f'[campaigns]\nquiet_start = "00:00"\nquiet_end = "00:00"\n[outbox]\npoll_seconds = 0.2\n',
            encoding="utf-8")
        env = {**os.environ, "SAMTALE_TELEGRAM_TOKEN": TOKEN, "PTB_TIMEDELTA": "true", "PYTHONPATH": str(root)}
        env.pop("SAMTALE_DATABASE_URL", None)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await fake.wait_for(lambda sent: len({m.chat_id for m in sent if m.chat_id and m.chat_id >= FIRST_USER}) >= 5,
                                timeout=30)
            # The worker opens the prompt's question (its flow) once Telegram has answered the send; a person
            # answers seconds later, not in the millisecond between the fake's record and that commit.
            await _until_sent(sessions, 5)
            fake.user_message(FIRST_USER + 4, "En bænk i gården, hvor man kan sidde sammen")
            await fake.wait_for_messages(FIRST_USER + 4, 3, timeout=15)  # prompt, receipt, results offer
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert [m.text.startswith(prompt.text["da"]) for m in fake.sent_messages(FIRST_USER)] == [True]
    *_, receipt, offer = fake.sent_messages(FIRST_USER + 4)
    assert "gemt" in receipt.text and "hvad andre svarede" in offer.text
    with sessions() as s:
        rows = [(r.text, r.prompt_id) for r in s.scalars(select(Reflection))]
    engine.dispose()
    assert rows == [("En bænk i gården, hvor man kan sidde sammen", prompt.ref)]


async def _until_sent(sessions, n: int, timeout: float = 15.0) -> None:
    """Wait until `n` outbox rows are recorded as sent (their prompt is then open for an answer)."""
    async with asyncio.timeout(timeout):
        while True:
            with sessions() as s:
                if s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))) >= n:
                    return
            await asyncio.sleep(0.05)
