"""Benchmark: reflections through the real dispatcher (consent, scrubbing, language, themes, commit).

Run:  python -m bench.ingest [--people 200] [--each 10] [--db sqlite|postgres] [--synchronous FULL|NORMAL]
Prints reflections/s with many people writing at once, and the command that made the figure.
"""
from __future__ import annotations

import argparse
import asyncio
import platform
import shlex
import sys
import tempfile
import time

from sqlalchemy import func, select

from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from engines.crisis import warm_up
from handlers.core.flood import Limits
from handlers.core.types import Incoming
from storage.models import Consent, Participant, Reflection

# Issue 23's bars; bench/__main__.py judges by the same ones.
BAR = {"sqlite": 5000, "postgres": 4000}

TEXTS = [
    "Jeg savner nogen at drikke kaffe med om morgenen, især om søndagen.",
    "Efter jeg gik på pension er dagene lange, og ingen ringer til mig.",
    "I moved to Aarhus for work and I still don't know anyone outside the office.",
    "Min datter bor i Sydney, så julen bliver stille i år. Ring evt. på 12 34 56 78.",
    "Fællesspisning i opgangen har gjort en kæmpe forskel for mig og naboerne.",
]


def seed(app, people: int, prefix: str = "u") -> None:
    with app.sessions() as s:
        for i in range(people):
            p = Participant(platform="bench", external_id=f"{prefix}{i}", consent_state="given", onboarded=True,
                            language="da")
            p.consents.append(Consent(granted=True, version="1", language="da", text="bench"))
            s.add(p)
        s.commit()


async def drive(app, people: int, each: int, prefix: str = "u") -> float:
    """Wall seconds for every person's messages, sent at once (see `run` for the CPU seconds)."""
    async def person(i: int) -> None:
        for n in range(each):
            await app.dispatcher.handle(Incoming(platform="bench", chat_id=f"{prefix}{i}", user_id=f"{prefix}{i}",
                                                 text=TEXTS[(i + n) % len(TEXTS)], message_id=f"{i}-{n}"))

    started = time.perf_counter()
    await asyncio.gather(*(person(i) for i in range(people)))
    return time.perf_counter() - started


def run(db: str, people: int, each: int, synchronous: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if db == "sqlite":
            url, cleanup = f"sqlite:///{tmp}/bench.db", None
        else:
            url, cleanup = throwaway_database()
        app = build_app(Settings.model_validate({"database": {"url": url, "synchronous": synchronous}}))
        app.dispatcher.flood.limits = Limits(10**9, 10**9, 10**9, 10**9)
        seed(app, people)
        warm_up()  # the crisis lexicon compiles once per process (~1.5 s; `samtale run` does it at start)
        cpu_before = time.process_time()
        seconds = asyncio.run(drive(app, people, each))
        # CPU seconds beside wall: on a shared machine the wall figure carries the other processes' load.
        cpu = time.process_time() - cpu_before
        with app.sessions() as s:
            stored = s.scalar(select(func.count()).select_from(Reflection))
        app.engine.dispose()
        if cleanup:
            cleanup()
    total = people * each
    assert stored == total, f"stored {stored} of {total}"
    return {"db": db, "synchronous": synchronous if db == "sqlite" else "-", "reflections": total,
            "seconds": round(seconds, 3), "per_second": round(total / seconds, 1),
            "cpu_seconds": round(cpu, 3), "per_cpu_second": round(total / cpu, 1)}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--each", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run(db, args.people, args.each, args.synchronous) for db in dbs]
    for r in results:
        print(f"core ingest  {r['db']:<8} sync={r['synchronous']:<6} {r['reflections']:>6} reflections "
              f"in {r['seconds']:>7.3f} s = {r['per_second']:>8.1f}/s ({r['cpu_seconds']:.3f} s CPU = "
              f"{r['per_cpu_second']:.1f}/s)   (bar ≥ {BAR[r['db']]:,}/s)")
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    print("command: python -m bench.ingest " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    return results


if __name__ == "__main__":
    main()
