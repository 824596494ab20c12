"""Soak: 3 webhook processes on one PostgreSQL behind a round-robin balancer, one killed (SIGKILL) and one
stopped (SIGTERM) while people write; what was lost, left unanswered or doubled.

    python -m bench.soak [--rate 150] [--seconds 30] [--people 900] [--database-url postgresql://…]

Three `samtale run` processes in webhook mode share a throwaway PostgreSQL database and the loopback fake
Bot API. A loopback balancer sends each POST to the next process and, if that fails (connection refused
or reset, a 5xx), to the one after, as a balancer with retries does; "Telegram" here delivers each update
until it is answered 200, as Telegram does. Onboarded people write reflections at --rate per second.
A third of the way in, one process is killed with SIGKILL and started again; at two thirds another
gets SIGTERM and is started again. At the end it waits until no kept reply is left, then counts:

- lost: answered 200 but not stored;
- stored twice: one message, two reflections;
- unanswered: stored, no receipt (a receipt carries its reflection's id in its undo button);
- receipts twice: the at-least-once window — receipts sent again after a kill (they had been sent,
  but the process died before forgetting their kept rows), or cut off by a drain that timed out.

The driver, the balancer and the fake Bot API share this process; on a small machine it cannot offer
the asked rate, so the rate it did offer is printed too.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI
from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from storage.models import Consent, Contact, Participant, Reflection
from storage.reply_models import PendingReply

SECRET = "soak-secret"
STARTED: list[subprocess.Popen] = []  # killed at the end whatever happens: no bot is left running
FIRST_USER = 700_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, people: int) -> None:
    app = build_app(Settings.model_validate({"database": {"url": url}}))
    with app.sessions() as s:
        for i in range(people):
            user = FIRST_USER + i
            p = Participant(platform="telegram", external_id=str(user), consent_state="given", onboarded=True,
                            language="da")
            p.consents.append(Consent(granted=True, version="1", language="da", text="samtykke"))
            p.contact = Contact(chat_id=str(user))
            s.add(p)
        s.commit()
    app.engine.dispose()


class Node:
    """One `samtale run` in webhook mode."""

    def __init__(self, folder: Path, fake: FakeTelegramAPI, url: str, name: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config = folder / f"{name}.toml"
        self.config.write_text(f"""platforms = ["telegram"]
[database]
url = "{url}"
[telegram]
api_base_url = "{fake.base_url}"
api_base_file_url = "{fake.base_file_url}"
mode = "webhook"
webhook_url = "http://127.0.0.1:1/hook"
listen = "127.0.0.1"
port = {self.port}
reply_lease_seconds = 5
recover_every_seconds = 1
""")
        self.folder = folder
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "SAMTALE_TELEGRAM_TOKEN": DEFAULT_TOKEN, "SAMTALE_TELEGRAM_WEBHOOK_SECRET": SECRET,
               "PTB_TIMEDELTA": "true"}
        env.pop("SAMTALE_DATABASE_URL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                                     cwd=self.folder, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.folder / f"{self.config.stem}.log", "a"))
        STARTED.append(self.proc)

    async def ready(self, http: aiohttp.ClientSession) -> None:
        for _ in range(1200):
            try:
                if (await http.get(f"{self.base}/readyz")).status == 200:
                    return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.config.name} never became ready")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)


class Balancer:
    """Round robin; a failed POST (refused, reset, 5xx) goes on to the next process."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes, self.turn, self.retried = nodes, 0, 0
        self.failures: Counter[str] = Counter()
        self.port = free_port()
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_post("/hook", self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        assert self._http is not None and self._runner is not None
        await self._http.close()
        await self._runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body, headers = await request.read(), {"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                               "Content-Type": "application/json"}
        for _ in range(len(self.nodes)):
            node = self.nodes[self.turn % len(self.nodes)]
            self.turn += 1
            try:
                async with self._http.post(f"{node.base}/hook", data=body, headers=headers) as answer:
                    if answer.status < 500:
                        return web.Response(status=answer.status)
                    self.failures[str(answer.status)] += 1
            except aiohttp.ClientError as exc:
                self.failures[type(exc).__name__] += 1
            self.retried += 1
        return web.Response(status=502)


async def telegram_delivers(http: aiohttp.ClientSession, url: str, update: dict, acked: list[float]) -> None:
    """As Telegram: again and again, until answered 200."""
    import json

    body = json.dumps(update)
    seen: Counter[str] = Counter()
    for attempt in range(100):
        try:
            async with http.post(url, data=body, headers={"Content-Type": "application/json"}) as answer:
                if answer.status == 200:
                    acked.append(time.monotonic())
                    return
                seen[str(answer.status)] += 1
        except aiohttp.ClientError as exc:
            seen[type(exc).__name__] += 1
        await asyncio.sleep(min(0.2 * 2 ** attempt, 2.0))
    raise RuntimeError(f"an update was never accepted: {dict(seen)}")


async def soak(args: argparse.Namespace, url: str, folder: Path) -> dict[str, object]:
    seed(url, args.people)
    async with FakeTelegramAPI(validate=False) as fake, aiohttp.ClientSession() as http:
        nodes = [Node(folder, fake, url, f"node{i}") for i in range(3)]
        for node in nodes:
            node.start()
        for node in nodes:
            await node.ready(http)
        balancer = Balancer(nodes)
        await balancer.start()
        hook = f"http://127.0.0.1:{balancer.port}/hook"
        total = int(args.rate * args.seconds)
        texts: dict[str, int] = {}
        acked: list[float] = []
        deliveries: list[asyncio.Task[None]] = []
        events: list[str] = []
        start = time.monotonic()
        for n in range(total):
            user = FIRST_USER + n % args.people
            text = f"soak {n} fra {user}: vi spiste sammen i gården"
            texts[text] = user
            update = {**fake.user_message(user, text, push=False), "update_id": n + 1}
            deliveries.append(asyncio.create_task(telegram_delivers(http, hook, update, acked)))
            if n == total // 3 and not args.no_kill:
                nodes[0].signal(signal.SIGKILL)
                events.append(f"SIGKILL node0 at message {n}")
            if n == total // 3 + int(args.rate * 2) and not args.no_kill:
                nodes[0].start()
            if n == 2 * total // 3 and not args.no_kill:
                nodes[1].signal(signal.SIGTERM)
                events.append(f"SIGTERM node1 at message {n}")
            if n == 2 * total // 3 + int(args.rate * 2) and not args.no_kill:
                nodes[1].proc.wait(30)
                nodes[1].start()
            await asyncio.sleep(max(0.0, start + (n + 1) / args.rate - time.monotonic()))
        offered = total / (time.monotonic() - start)
        await asyncio.gather(*deliveries)
        app = build_app(Settings.model_validate({"database": {"url": url}}))
        async with asyncio.timeout(120):
            while True:
                with app.sessions() as s:
                    if not s.scalar(select(func.count()).select_from(PendingReply)):
                        break
                await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a last look: receipts still on their way
        with app.sessions() as s:
            stored = Counter(s.scalars(select(Reflection.text)))
            ids = dict(s.execute(select(Reflection.id, Reflection.text)).all())
        app.engine.dispose()
        receipts: Counter[int] = Counter()
        for message in fake.sent_messages():
            for data in message.callback_data:
                m = re.fullmatch(r"r:u:(\d+)", data)
                if m:
                    receipts[int(m[1])] += 1
        for node in nodes:
            node.signal(signal.SIGTERM)
        for node in nodes:
            assert node.proc is not None
            node.proc.wait(30)
        await balancer.stop()
    stored_texts = {t for t in stored}
    return {
        "messages": total, "offered rate": f"{offered:.0f}/s (asked {args.rate:.0f}/s)", "acked": len(acked), "events": events, "balancer retries": balancer.retried,
        "failed POSTs": dict(balancer.failures),
        "lost": sum(1 for t in texts if t not in stored_texts),
        "stored twice": sum(1 for c in stored.values() if c > 1),
        "unanswered": sum(1 for i in ids if receipts[i] == 0),
        "receipts twice": sum(1 for c in receipts.values() if c > 1),
        "receipts": sum(receipts.values()),
        "elapsed": f"{time.monotonic() - start:.1f} s",
        "prompts twice": "not measured (no broadcast runs in this soak)",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--people", type=int, default=900)  # ≤ 20 messages a minute each (the flood limit)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-kill", action="store_true", help="the same load, no process stopped")
    parser.add_argument("--logs", default=None, help="keep the processes' logs in this folder")
    args = parser.parse_args(argv)
    print("$ python -m bench.soak " + shlex.join(sys.argv[1:] if argv is None else argv))
    url, drop = (args.database_url, lambda: None) if args.database_url else throwaway_database()
    try:
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(soak(args, url, Path(args.logs or folder)))
    finally:
        for proc in STARTED:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        drop()
    for key, value in result.items():
        print(f"{key:>18}: {value}")
    per_minute = args.rate * 60 / args.people
    print(f"(each person writes {per_minute:.0f} a minute; 3 processes; lease 5 s, recovery every 1 s)")


if __name__ == "__main__":
    main()
