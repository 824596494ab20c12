"""Broadcast: a prompt to N subscribers through the outbox against a fake Bot API that enforces a rate.

    python -m bench.broadcast [--recipients 10000] [--rate 300] [--database-url sqlite:///…|postgresql://…]
                              [--synchronous FULL|NORMAL] [--workers 1] [--kill-after 0.4]

The subscribers are seeded and the broadcast queued (one INSERT … SELECT per language) before the clock
starts; then outbox workers drain it through the real python-telegram-bot Bot against the loopback fake
Bot API (bench/loopback/telegram_api.py), which answers 429 with retry_after whenever a send would exceed
`--rate` overall or 1/s for a chat. The figures:

- achieved ÷ allowed: accepted sends per second, from the first accepted send to the last, over --rate;
- duplicates: chats that got the prompt more than once; losses: subscribers who never got it;
- 429s answered by the fake (the worker paces itself so there are few), and the queue time.

With --workers N, N worker processes share the outbox (PostgreSQL: FOR UPDATE SKIP LOCKED, the rate
split between them). With --kill-after F, the first worker process is SIGKILLed when a fraction F has
been delivered, at a random moment, and a new one started: duplicates then counts what the one
at-least-once window (accepted by Telegram, not yet recorded) let through. The bar (issue 5) is
ratio ≥ 0.95, 0 duplicates, 0 losses for a run without kills.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

from sqlalchemy import create_engine, text  # noqa: E402

from bot.delivery.broadcast import broadcast_prompt  # noqa: E402
from content.campaigns import load_campaigns  # noqa: E402
from storage.db import make_engine, make_sessionmaker, normalise_url  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from bench.loopback.subscribers import add_subscribers  # noqa: E402
from bench.loopback.telegram_api import FakeTelegramAPI  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIRST_CHAT = 1_000_001


class TimedFake(FakeTelegramAPI):
    """The fake Bot API, noting when it accepted each message."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.accepted_at: list[float] = []

    def _record(self, message) -> None:  # noqa: ANN001
        if message.method == "sendMessage":
            self.accepted_at.append(time.perf_counter())
        super()._record(message)


def prepare(url: str, recipients: int, synchronous: str) -> float:
    engine = make_engine(url, synchronous=synchronous)
    upgrade(engine, url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        add_subscribers(s, recipients, start=FIRST_CHAT)
    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    with sessions.begin() as s:
        queued = broadcast_prompt(s, load_campaigns()[0].prompts[0], now=now, send_at=now).queued
    took = time.perf_counter() - started
    engine.dispose()
    assert queued == recipients, queued
    return took


def worker(url: str, fake: FakeTelegramAPI, rate: float, synchronous: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SAMTALE_BENCH_SYNCHRONOUS": synchronous}
    return subprocess.Popen([sys.executable, "-m", "bench.loopback.delivery", url, fake.base_url, str(rate), "10"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def run(args: argparse.Namespace) -> dict:
    tmp = None
    pg_admin = None
    url = args.database_url
    if url is None:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(tmp.name) / 'broadcast.db'}"
    elif url.startswith("postgres"):
        # A throwaway database next to the given one.
        pg_admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        name = f"samtale_bench_{uuid.uuid4().hex[:8]}"
        with pg_admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = normalise_url(url).rsplit("/", 1)[0] + f"/{name}"
    try:
        queue_time = prepare(url, args.recipients, args.synchronous)
        async with TimedFake(max_per_second=args.rate, per_chat_per_second=1) as fake:
            procs = [worker(url, fake, args.rate, args.synchronous) for _ in range(args.workers)]
            killed = 0
            if args.kill_after:
                target = int(args.recipients * args.kill_after)
                while fake.accepted_sends < target and procs[0].poll() is None:
                    await asyncio.sleep(0.001)
                await asyncio.sleep(random.uniform(0, 0.05))  # a random moment, not between two sends
                os.kill(procs[0].pid, signal.SIGKILL)
                killed = 1
                procs.append(worker(url, fake, args.rate, args.synchronous))
            loop = asyncio.get_running_loop()
            results = [await loop.run_in_executor(None, p.communicate) for p in procs]
            for p, (out, err) in zip(procs, results):
                if p.returncode not in (0, -signal.SIGKILL):
                    raise SystemExit(f"a worker failed ({p.returncode}):\n{err[-3000:]}")
            sends = [m for m in fake.sent_messages() if m.method == "sendMessage"]
            per_chat = Counter(m.chat_id for m in sends)
            # From the first accepted send to the last: n - 1 intervals.
            span = fake.accepted_at[-1] - fake.accepted_at[0] if len(fake.accepted_at) > 1 else 0.0
            rejected_429 = sum(1 for r in fake.rejected if r.error_code == 429)
        expected = set(range(FIRST_CHAT, FIRST_CHAT + args.recipients))
        return {
            "url": url.split("?")[0] if not url.startswith("sqlite") else "sqlite (temporary file)",
            "delivered": len(sends),
            "achieved": (len(sends) - 1) / span if span else 0.0,
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
            "losses": len(expected - set(per_chat)),
            "rejected_429": rejected_429,
            "queue_time": queue_time,
            "killed": killed,
            "busy_seconds": span,
        }
    finally:
        if pg_admin is not None:
            with pg_admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
            pg_admin.dispose()
        if tmp is not None:
            tmp.cleanup()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=300.0, help="allowed sends per second (Telegram: ~30)")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--kill-after", type=float, default=0.0, help="SIGKILL the first worker at this fraction")
    args = parser.parse_args(argv)
    r = asyncio.run(run(args))
    command = "python -m bench.broadcast " + shlex.join(sys.argv[1:] if argv is None else argv)
    ratio = r["achieved"] / args.rate
    print(f"broadcast of one prompt to {args.recipients:,} subscribers · {r['url']} · {args.workers} worker(s)"
          + (f" · first worker SIGKILLed at {args.kill_after:.0%}" if r["killed"] else ""))
    print(f"  queued in {r['queue_time']:.2f} s (one INSERT … SELECT per language)")
    print(f"  delivered {r['delivered']:,} in {r['busy_seconds']:.1f} s: {r['achieved']:.1f}/s against "
          f"{args.rate:g}/s allowed → achieved ÷ allowed = {ratio:.3f}")
    print(f"  duplicates {r['duplicates']} · losses {r['losses']} · 429s from the fake {r['rejected_429']}")
    print(f"  {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs")
    print(f"  command: {command}")
    if not r["killed"]:
        ok = ratio >= 0.95 and r["duplicates"] == 0 and r["losses"] == 0
        print(f"  bar (≥ 0.95, 0, 0): {'met' if ok else 'NOT met'}")
    return {**r, "recipients": args.recipients, "rate": args.rate, "ratio": ratio}


if __name__ == "__main__":
    main()
