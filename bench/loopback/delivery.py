"""A delivery process: the outbox worker draining to a loopback Bot API, in a process of its own (killable)."""
from __future__ import annotations

import asyncio

# Run by the broadcast benchmark and by the outbox crash and multi-process tests:
#   python -m bench.loopback.delivery DB_URL BOT_API_BASE_URL RATE [LEASE_SECONDS] [--scheduler]
# drains the Telegram outbox through the real python-telegram-bot Bot until nothing is left, then prints
# "drained". With --scheduler it also stands for leadership and prints "leader" when it leads.

TOKEN = "123456789:TEST-token_for_the_fake_api"


def main(argv: list[str]) -> None:
    import logging
    import os
    import sys

    from bot.delivery.pacing import PlatformLimits, RateLimiter
    from bot.delivery.quiet_hours import QuietHours
    from bot.delivery.worker import Worker
    from bot.delivery.worker_settings import WorkerSettings
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
