"""Crashes: a delivery process killed with SIGKILL mid-broadcast and started again sends every prompt
exactly once; the one at-least-once window (accepted by the platform, not yet recorded) is shown too."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import web
from sqlalchemy import func, select

from bot.delivery.broadcast import broadcast_prompt
from bot.delivery.pacing import PlatformLimits, RateLimiter
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from content.campaigns import load_campaigns
from storage.campaign_models import OutboxMessage
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from bench.loopback.subscribers import add_subscribers
from bench.loopback.telegram_api import FakeTelegramAPI
from tests.support.outbox import FakeSender

ROOT = Path(__file__).resolve().parents[2]
PROMPT = load_campaigns()[0].prompts[0]
RECIPIENTS = 2000
FIRST = 900_001


class GatedTelegram(FakeTelegramAPI):
    """The fake Bot API, with a gate: while closed, sends wait unprocessed (as if still on the wire)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.gate = asyncio.Event()
        self.gate.set()
        self.held = 0
        self.dropping = False

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["method"].lower() == "sendmessage" and not self.gate.is_set():
            self.held += 1
            await self.gate.wait()
            if self.dropping:  # its sender died while it waited: it never reached "Telegram"
                return web.Response(status=502)
        return await super()._handle_api(request)


def setup_db(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        add_subscribers(s, RECIPIENTS, start=FIRST)
    now = datetime.now(timezone.utc)
    with sessions.begin() as s:
        assert broadcast_prompt(s, PROMPT, now=now, send_at=now).queued == RECIPIENTS
    engine.dispose()


def deliverer(url: str, fake: FakeTelegramAPI, rate: int, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bench.loopback.delivery", url, fake.base_url, str(rate), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def deliveries(fake: FakeTelegramAPI) -> Counter:
    return Counter(m.chat_id for m in fake.sent_messages() if m.method == "sendMessage")


async def test_sigkill_mid_broadcast_then_restart_delivers_each_prompt_exactly_once(tmp_path, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    setup_db(url)
    started = time.monotonic()
    async with GatedTelegram(max_per_second=700, per_chat_per_second=1) as fake:
        first = deliverer(url, fake, 600)
        try:
            await wait_until(lambda: fake.accepted_sends >= 700 or first.poll() is not None, 30, "700 deliveries")
            assert first.poll() is None, first.communicate()
            # Mid-broadcast: new sends hang on the wire; those already accepted get recorded; then SIGKILL.
            fake.gate.clear()
            await wait_until(lambda: fake.held >= 1, 10, "a send in flight")
            await asyncio.sleep(0.3)
            os.kill(first.pid, signal.SIGKILL)
            await asyncio.get_running_loop().run_in_executor(None, first.wait)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        before = sum(deliveries(fake).values())
        held = fake.held
        fake.dropping = True
        fake.gate.set()
        await asyncio.sleep(0.05)
        fake.dropping = False

        engine = make_engine(url)
        with make_sessionmaker(engine)() as s:
            in_flight = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sending"))
            sent_rows = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
        assert in_flight >= 1 and sent_rows == before and 0 < before < RECIPIENTS

        second = deliverer(url, fake, 600)
        out, err = await asyncio.get_running_loop().run_in_executor(None, second.communicate)
        assert second.returncode == 0 and "drained" in out, err
        assert "were being sent when the last run stopped" in err

        got = deliveries(fake)
        assert len(got) == RECIPIENTS and set(got.values()) == {1}, [c for c, n in got.items() if n != 1][:10]
        with make_sessionmaker(engine)() as s:
            statuses = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        engine.dispose()
        assert statuses == {"sent": RECIPIENTS}
    print(f"\nkilled after {before} deliveries with {in_flight} in flight ({held} held on the wire); "
          f"restart delivered {RECIPIENTS - before}; {time.monotonic() - started:.1f} s")


async def test_the_one_at_least_once_window_is_between_acceptance_and_its_record(sqlite_app):
    """If the process dies after the platform accepted a message but before 'sent' was committed, that
    one message is sent again on restart (Telegram has no idempotency key). Nothing else is."""
    app = sqlite_app
    with app.sessions.begin() as s:
        add_subscribers(s, 3)
    now = datetime.now(timezone.utc)
    with app.sessions.begin() as s:
        broadcast_prompt(s, PROMPT, now=now, send_at=now)
    settings = WorkerSettings(limits=PlatformLimits(1000, 0), poll_seconds=0.02, quiet=QuietHours.parse("0:00", "0:00"))
    sender = FakeSender()
    dying = Worker(app.sessions, sender, settings, rate_limiter=RateLimiter(1000))
    [row] = dying._claim(1)
    assert (await sender.send(row.chat_id, None, key=row.dedupe_key)).outcome.value == "sent"  # accepted …
    # … and the process dies before recording it. On restart the row is still 'sending':
    restarted = Worker(app.sessions, sender, settings, rate_limiter=RateLimiter(1000))
    await restarted.start()
    await restarted.drain(timeout=10)
    await restarted.close()
    assert sorted(sender.per_chat().values()) == [1, 1, 2] and sender.per_chat()[row.chat_id] == 2
