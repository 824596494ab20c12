"""Telegram throughput: updates/s of the full Samtale bot vs a bare PTB echo bot, against the same fake API.

    python -m bench.telegram_throughput [--citizens 500] [--messages 4] [--rounds 3]
                                        [--synchronous FULL NORMAL] [--database-url postgresql://…]
                                        [--concurrent 1024] [--connections 8] [--profile samtale.prof]

N onboarded citizens (seeded in the database before timing) each send M reflections. All updates
are queued on the loopback fake Bot API, then the clock runs until every reply has been accepted
by the fake. Both bots run in this process against the same fake, so its cost is shared alike.
The echo bot runs twice: with PTB's defaults (one update at a time) and shaped like Samtale (many
updates at once, few Bot API calls in flight); the ratio is against the faster of the two.
Rounds interleave the bots, so a busy machine slows them alike. The bar (issue 3): ratio ≥ 0.8.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

import telegram  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.platforms.telegram import TelegramPlatform  # noqa: E402
from bot.platforms.telegram.transport import AiohttpRequest  # noqa: E402
from storage.models import Consent, Contact, Participant  # noqa: E402
from bench.loopback.telegram_api import DEFAULT_TOKEN, FakeTelegramAPI  # noqa: E402

FIRST_USER = 10_000_000

# Everyday reflections of the length people write (a sentence to a short paragraph), Danish and English.
_OPENINGS = [
    "Jeg bor alene, og om aftenen kan det blive meget stille.",
    "Efter at jeg gik på pension, mistede jeg kontakten til mine kolleger.",
    "Det hjælper mig at gå til fællesspisning i kulturhuset om torsdagen.",
    "Jeg er flyttet til en ny by for at studere og kender næsten ingen.",
    "Min nabo inviterede mig på kaffe, og det gjorde hele min uge bedre.",
    "I moved to Denmark last year and it is hard to make Danish friends.",
    "Sometimes I go days without talking to anyone except the cashier.",
]
_ENDINGS = [
    "Det ville være godt med flere steder, hvor man bare kan møde op.",
    "Jeg ved ikke helt, hvordan man tager det første skridt.",
    "Foreningerne kunne være bedre til at tage imod nye.",
    "A walking group in my neighbourhood would make a big difference.",
    "",
]


def reflection(rng: random.Random) -> str:
    return f"{rng.choice(_OPENINGS)} {rng.choice(_ENDINGS)}".strip()


def workload(citizens: int, messages: int, seed: int = 48) -> list[tuple[int, str]]:
    """(user id, text) in the order they arrive: everyone's first message, then everyone's second, …"""
    rng = random.Random(seed)
    return [(FIRST_USER + c, reflection(rng)) for _ in range(messages) for c in range(citizens)]


async def drive(fake: FakeTelegramAPI, work: list[tuple[int, str]]) -> float:
    """Queue every update, then time until every reply was accepted; returns seconds."""
    fake.clear_recordings()
    start = time.perf_counter()
    for user_id, text in work:
        fake.user_message(user_id, text, first_name="Borger", language_code="da")
    await fake.wait_for(len(work), timeout=600)
    return time.perf_counter() - start


# -- the bare PTB echo bot -------------------------------------------------------------------------------

async def run_echo(fake: FakeTelegramAPI, work: list[tuple[int, str]], concurrent: int | bool,
                   connections: int | None, http_client: str = "httpx") -> float:
    """The bare PTB echo bot; with `connections`, its sends are limited like Samtale's (a semaphore);
    with http_client="aiohttp", on Samtale's transport instead of PTB's default httpx."""
    sending = asyncio.Semaphore(connections or 1)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if connections is None:
            await update.effective_message.reply_text(update.effective_message.text)
            return
        async with sending:
            await update.effective_message.reply_text(update.effective_message.text)

    builder = (Application.builder().token(DEFAULT_TOKEN).base_url(fake.base_url).base_file_url(fake.base_file_url)
               .concurrent_updates(concurrent).job_queue(None))
    if http_client == "aiohttp":
        builder = builder.request(AiohttpRequest((connections or 1) + 2)).get_updates_request(AiohttpRequest(1))
    elif connections is not None:
        builder = builder.connection_pool_size(connections + 2)
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
        try:
            return await drive(fake, work)
        finally:
            await app.updater.stop()
            await app.stop()


# -- Samtale ---------------------------------------------------------------------------------------------

def seed(app, citizens: int) -> None:
    """Citizens who have consented and finished onboarding, as /start would leave them."""
    now = datetime.now(timezone.utc)
    with app.sessions() as session:
        for c in range(citizens):
            user = FIRST_USER + c
            p = Participant(platform="telegram", external_id=str(user), created_at=now, language="da",
                            age_band="30-49", municipality="Aarhus", region="Midtjylland", quote_default=True,
                            consent_state="given", onboarded=True)
            p.contact = Contact(chat_id=str(user), reachable=True, updated_at=now)
            p.consents.append(Consent(granted=True, version="1", language="da", text="(benchmark)", decided_at=now))
            session.add(p)
        session.commit()


async def warm_up(app, user: int) -> None:
    """One reflection through the core before timing: lazy set-up (the crisis lexicon compiles on its
    first use, ~1.3 s here) belongs to start-up, not to the throughput."""
    from handlers.core.types import Incoming

    await app.dispatcher.handle(Incoming(platform="telegram", chat_id=str(user), user_id=str(user), text=reflection(
        random.Random(0)), locale_hint="da", message_id="warm-up", display_name="Borger"))


async def run_samtale(fake: FakeTelegramAPI, work: list[tuple[int, str]], citizens: int, url: str,
                      synchronous: str, concurrent: int, connections: int, profile: cProfile.Profile | None,
                      http_client: str = "aiohttp") -> float:
    settings = Settings.model_validate({
        "database": {"url": url, "synchronous": synchronous},
        # The flood gate stays on, with limits no benchmark citizen reaches.
        "limits": {"per_minute": 10_000, "per_day": 100_000},
        "telegram_token": DEFAULT_TOKEN,
        "telegram": {"api_base_url": fake.base_url, "api_base_file_url": fake.base_file_url,
                     "concurrent_updates": concurrent, "connections": connections, "http_client": http_client},
    })
    app = build_app(settings)
    try:
        seed(app, citizens + 1)
        await warm_up(app, FIRST_USER + citizens)
        platform_ = TelegramPlatform(app)
        await platform_.start()
        try:
            if profile is not None:
                profile.enable()
            try:
                return await drive(fake, work)
            finally:
                if profile is not None:
                    profile.disable()
        finally:
            await platform_.stop()
    finally:
        app.engine.dispose()


async def main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram_throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--citizens", type=int, default=500)
    parser.add_argument("--messages", type=int, default=4, help="reflections per citizen (≤ 20: the flood limit)")
    parser.add_argument("--synchronous", nargs="+", default=["FULL", "NORMAL"], choices=["FULL", "NORMAL"])
    parser.add_argument("--concurrent", type=int, default=1024, help="telegram.concurrent_updates")
    parser.add_argument("--connections", type=int, default=8, help="Bot API calls in flight")
    parser.add_argument("--http-client", default="aiohttp", choices=["aiohttp", "httpx"], help="Samtale's transport")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (a fresh, empty database) instead of SQLite")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each runs every bot once, interleaved")
    parser.add_argument("--profile", default=None, help="write a cProfile of the first Samtale run here")
    args = parser.parse_args(argv)

    work = workload(args.citizens, args.messages)
    print(f"$ python -m bench.telegram_throughput {shlex.join(argv)}".rstrip())
    print(f"python {platform.python_version()}, python-telegram-bot {telegram.__version__}, "
          f"SQLite {sqlite3.sqlite_version}, sniffio {'present' if _has_sniffio() else 'absent'}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, {platform.platform()}")
    print(f"{args.citizens} citizens × {args.messages} reflections = {len(work)} updates per run; "
          f"{args.rounds} rounds, the bots interleaved; median (best) of the rounds\n")

    profile = cProfile.Profile() if args.profile else None
    rates: dict[str, list[float]] = {}
    echo_runs = {
        "bare PTB echo bot (PTB defaults: httpx, one update at a time)": (False, None, "httpx"),
        f"bare PTB echo bot (httpx, {args.concurrent} updates, {args.connections} connections)":
            (args.concurrent, args.connections, "httpx"),
        "bare PTB echo bot (Samtale's aiohttp transport, one at a time)": (False, None, "aiohttp"),
    }
    echo_names = list(echo_runs)
    samtale_names = (["Samtale, PostgreSQL"] if args.database_url
                     else [f"Samtale, SQLite synchronous={s}" for s in args.synchronous])
    async with FakeTelegramAPI() as fake:
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                for name, (concurrent, connections, client) in echo_runs.items():
                    seconds = await run_echo(fake, work, concurrent, connections, client)
                    rates.setdefault(name, []).append(len(work) / seconds)
                for i, name in enumerate(samtale_names):
                    url = args.database_url or f"sqlite:///{Path(tmp) / f'bench-{r}-{i}.db'}"
                    if args.database_url:
                        _reset_postgres(url)
                    sync = args.synchronous[i] if not args.database_url else "FULL"
                    seconds = await run_samtale(fake, work, args.citizens, url, sync, args.concurrent,
                                                args.connections, profile if r == 0 and i == 0 else None,
                                                args.http_client)
                    rates.setdefault(name, []).append(len(work) / seconds)
    ptb_default = echo_names[0]
    same_transport = max(echo_names[1:], key=lambda n: statistics.median(rates[n]))
    figures: dict = {"updates": len(work), "rates": {n: statistics.median(rates[n]) for n in echo_names + samtale_names},
                     "ratio": {}, "ratio_like_for_like": {}}
    for name in samtale_names:
        figures["ratio"][name] = statistics.median(rates[name]) / statistics.median(rates[ptb_default])
        figures["ratio_like_for_like"][name] = statistics.median(rates[name]) / statistics.median(rates[same_transport])
    for name in echo_names + samtale_names:
        median, best = statistics.median(rates[name]), max(rates[name])
        line = f"{name:64} {median:5.0f} ({best:4.0f}) updates/s"
        if name in samtale_names:
            line += (f"   ratio {median / statistics.median(rates[ptb_default]):.2f}"
                     f" | {median / statistics.median(rates[same_transport]):.2f}")
        print(line)
    print("\nratio: Samtale / the echo bot with PTB's defaults (the bar of issue 3: ≥ 0.8)"
          " | Samtale / the faster of the other echo bots (like for like: what Samtale itself costs)")
    if profile is not None:
        profile.dump_stats(args.profile)
        print(f"\nprofile of the first Samtale run → {args.profile}; top 25 by own time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return figures


def _has_sniffio() -> bool:
    import importlib.util

    return importlib.util.find_spec("sniffio") is not None


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from storage.db import normalise_url
    from storage.tables import Base

    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        tables = [t.name for t in Base.metadata.sorted_tables if t.name != "meta"]
        existing = set(conn.execute(text("select tablename from pg_tables where schemaname = current_schema()"))
                       .scalars())
        present = [t for t in tables if t in existing]
        if present:
            conn.execute(text(f"TRUNCATE {', '.join(present)} RESTART IDENTITY CASCADE"))
    engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
