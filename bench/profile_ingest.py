"""Profile of the core ingest (bench/ingest.py's workload) under cProfile, with CPU seconds beside wall.

Run:  python -m bench.profile_ingest [--db sqlite|postgres] [--people 200] [--each 10] [--top 40] [--out FILE]
Writes the top of the profile (by cumulative and by own time) to FILE (default: stdout). cProfile
roughly doubles the cost of each Python call, so read its shares, not its rates; the rates are
bench.ingest's.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time

from bench.ingest import TEXTS, drive, seed
from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from engines.crisis import warm_up
from handlers.core.flood import Limits
from handlers.core.types import Incoming


def profile(db: str, people: int, each: int, top: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = (f"sqlite:///{tmp}/bench.db", None) if db == "sqlite" else throwaway_database()
        app = build_app(Settings.model_validate({"database": {"url": url, "synchronous": "FULL"}}))
        app.dispatcher.flood.limits = Limits(10**9, 10**9, 10**9, 10**9)
        seed(app, people)
        warm_up()
        asyncio.run(drive(app, people, 1, prefix="u"))  # warm: caches and the first statements compiled
        profiler = cProfile.Profile()
        cpu, wall = time.process_time(), time.perf_counter()
        profiler.enable()
        # message ids of their own ("p…"), so the warm-up's are not dropped as duplicates
        asyncio.run(_drive_fresh(app, people, each))
        profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        app.engine.dispose()
        if cleanup:
            cleanup()
    n = people * each
    out = io.StringIO()
    out.write(f"{n} reflections on {db} under cProfile: {cpu:.3f} s CPU ({n / cpu:,.0f}/CPU-s), {wall:.3f} s wall, "
              f"load average {os.getloadavg()[0]:.1f}\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


async def _drive_fresh(app, people: int, each: int) -> None:  # noqa: ANN001
    async def person(i: int) -> None:
        for k in range(each):
            await app.dispatcher.handle(Incoming(platform="bench", chat_id=f"u{i}", user_id=f"u{i}",
                                                 text=TEXTS[(i + k) % len(TEXTS)], message_id=f"p{i}-{k}"))

    await asyncio.gather(*(person(i) for i in range(people)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--each", type=int, default=10)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    text = f"command: python -m bench.profile_ingest {' '.join(argv or sys.argv[1:])}\n" + \
        profile(args.db, args.people, args.each, args.top)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text)
    return {"db": args.db}


if __name__ == "__main__":
    main(sys.argv[1:])
