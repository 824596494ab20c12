"""Several processes on PostgreSQL: two drain one broadcast with no duplicate, exactly one leads the
scheduler, and when the leader is killed the other takes over."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from bot.delivery.broadcast import broadcast_prompt
from content.campaigns import load_campaigns
from storage.campaign_models import OutboxMessage
from tests.support.app import truncate_pg, make_app
from bench.loopback.subscribers import add_subscribers
from bench.loopback.telegram_api import FakeTelegramAPI

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 1500


class Proc:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode().strip())

    def said(self, word: str) -> bool:
        return word in self.lines


async def start(url: str, fake: FakeTelegramAPI, rate: int) -> Proc:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PTB_TIMEDELTA": "true"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.loopback.delivery", url, fake.base_url, str(rate), "5", "--scheduler",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    return Proc(proc)


async def until(predicate, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_two_processes_drain_one_broadcast_and_the_leader_is_replaced(pg_url, tmp_path, clock):
    app = make_app(pg_url, tmp_path, clock)
    truncate_pg(app)
    with app.sessions.begin() as s:
        add_subscribers(s, RECIPIENTS, start=800_001)
    now = datetime.now(timezone.utc)
    with app.sessions.begin() as s:
        assert broadcast_prompt(s, load_campaigns()[0].prompts[0], now=now, send_at=now).queued == RECIPIENTS

    procs: list[Proc] = []
    async with FakeTelegramAPI(max_per_second=500, per_chat_per_second=1) as fake:
        try:
            procs = [await start(pg_url, fake, 300), await start(pg_url, fake, 300)]
            await until(lambda: all(p.said("drained") for p in procs), 60, "both processes to drain")
            got = Counter(m.chat_id for m in fake.sent_messages() if m.method == "sendMessage")
            assert len(got) == RECIPIENTS and set(got.values()) == {1}
            with app.sessions() as s:
                assert s.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status == "sent")) == RECIPIENTS
                workers = s.execute(select(OutboxMessage.leased_by, func.count()).group_by(OutboxMessage.leased_by)).all()
            assert len(workers) == 2 and min(n for _, n in workers) > RECIPIENTS * 0.1, workers  # both did real work

            await until(lambda: sum(p.said("leader") for p in procs) == 1, 15, "one leader")
            await asyncio.sleep(1.5)
            assert sum(p.said("leader") for p in procs) == 1  # and only one
            leader, other = (procs if procs[0].said("leader") else procs[::-1])
            leader.proc.send_signal(signal.SIGKILL)
            took = await until(lambda: other.said("leader"), 30, "the other process to take over")
            print(f"\nleader killed; the other process led {took:.1f} s later")
        finally:
            for p in procs:
                if p.proc.returncode is None:
                    p.proc.kill()
                await p.proc.wait()
                p.reader.cancel()
    app.engine.dispose()
