"""Helpers for the outbox, campaign and scheduler tests (no tests here): a fake sender, bulk subscribers."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import insert, select

from bot.delivery import SendResult
from handlers.core.types import Intent, Reply
from storage.campaign_models import PromptSubscription
from storage.models import Contact, Participant


@dataclass
class FakeSender:
    """Records every accepted send; scripted outcomes per chat; optional rate enforcement (429s)."""

    platform: str = "telegram"
    rate: float | None = None  # accepted sends per second before it answers 429
    latency: float = 0.0
    script: dict[str, list[SendResult]] = field(default_factory=dict)  # chat → outcomes to return first
    blocked: set[str] = field(default_factory=set)
    sent: list[tuple[str, Intent, str]] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    _tokens: float = 0.0
    _stamp: float = 0.0

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        queued = self.script.get(chat_id)
        if queued:
            result = queued.pop(0)
            if result.outcome.value != "sent":
                self.rejected[result.outcome.value] += 1
                return result
        if chat_id in self.blocked:
            self.rejected["blocked"] += 1
            return SendResult.blocked("Forbidden: bot was blocked by the user")
        if self.rate is not None:
            now = time.monotonic()
            if not self._stamp:
                self._stamp, self._tokens = now, self.rate
            self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1:
                self.rejected["retry_after"] += 1
                return SendResult.retry(1)
            self._tokens -= 1
        self.sent.append((chat_id, intent, key))
        return SendResult.sent(len(self.sent))

    def texts(self, chat_id: str) -> list[str]:
        return [i.text for c, i, _ in self.sent if c == chat_id and isinstance(i, Reply)]

    def per_chat(self) -> Counter:
        return Counter(c for c, _, _ in self.sent)


def add_subscribers(session, n: int, *, platform: str = "telegram", start: int = 1, language: str | None = "da",
                    age_band: str | None = "30-49", municipality: str | None = "Aarhus", frequency: str = "every",
                    chat_offset: int = 0) -> list[int]:
    """n consenting, onboarded, subscribed people with a contact; returns their participant ids."""
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    rows = [dict(platform=platform, external_id=str(start + i), created_at=now, language=language, age_band=age_band,
                 municipality=municipality, region=None, quote_default=False, role="citizen", consent_state="given",
                 onboarded=True) for i in range(n)]
    session.execute(insert(Participant), rows)
    ids = list(session.scalars(select(Participant.id).where(
        Participant.platform == platform, Participant.external_id.in_([r["external_id"] for r in rows]))))
    by_ext = dict(session.execute(select(Participant.external_id, Participant.id).where(Participant.id.in_(ids))).all())
    session.execute(insert(Contact), [dict(participant_id=by_ext[r["external_id"]],
                                           chat_id=str(int(r["external_id"]) + chat_offset), reachable=True,
                                           updated_at=now) for r in rows])
    session.execute(insert(PromptSubscription), [dict(participant_id=pid, subscribed=True, paused=False,
                                                      frequency=frequency, asked_at=now, decided_at=now,
                                                      updated_at=now) for pid in ids])
    return ids


# ---------------------------------------------------------------------------------------------------------
# A delivery process for the crash and multi-process tests and the benchmark:
#   python -m tests.test_outbox_support DB_URL BOT_API_BASE_URL RATE [LEASE_SECONDS] [--scheduler]
# drains the Telegram outbox through the real python-telegram-bot Bot until nothing is left, then prints
# "drained". With --scheduler it also stands for leadership and prints "leader" when it leads.

TOKEN = "123456789:TEST-token_for_the_fake_api"


def main(argv: list[str]) -> None:
    import logging
    import os
    import sys

    from bot.delivery import PlatformLimits, QuietHours, RateLimiter
    from bot.outbox import Worker, WorkerSettings
    from bot.platforms.telegram.sender import TelegramSender
    from storage.db import make_engine, make_sessionmaker

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    url, base_url, rate = argv[1], argv[2], float(argv[3])
    lease = float(argv[4]) if len(argv) > 4 and not argv[4].startswith("--") else 5.0
    engine = make_engine(url, synchronous=os.environ.get("SAMTALE_BENCH_SYNCHRONOUS", "FULL"))
    sessions = make_sessionmaker(engine)

    async def run() -> None:
        sender = TelegramSender.from_settings(TOKEN, base_url, base_url.replace("/bot", "/file/bot"))
        await sender.start()
        settings = WorkerSettings(limits=PlatformLimits(rate, 1.0), lease_seconds=lease, poll_seconds=0.05,
                                  batch=50, concurrency=8, heartbeat_seconds=1.0,
                                  quiet=QuietHours.parse("00:00", "00:00"))
        worker = Worker(sessions, sender, settings, rate_limiter=RateLimiter(rate))
        await worker.start()
        print("started", flush=True)
        if "--scheduler" in argv:
            from bot.scheduling.scheduler import Scheduler

            scheduler = Scheduler(sessions, url, (), quiet=QuietHours(), retry_seconds=1.0, check_seconds=1.0)
            stop = asyncio.Event()
            leading = asyncio.create_task(scheduler.run(stop))

            async def announce() -> None:
                await scheduler.elected.wait()
                print("leader", flush=True)

            announcer = asyncio.create_task(announce())
        try:
            await worker.drain(timeout=300)
        finally:
            await worker.close()
            await sender.close()
        print("drained", flush=True)
        if "--scheduler" in argv:
            await asyncio.Event().wait()  # keep leading until killed

    asyncio.run(run())
    engine.dispose()


if __name__ == "__main__":
    import sys

    main(sys.argv)
