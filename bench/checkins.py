"""Benchmark: the loneliness check-in — answers through the real dispatcher, and the figures over many.

Run:  python -m bench.checkins [--people 200] [--db sqlite|postgres|both] [--checkins 1000000]

Ingest: each person (consented to Samtale and to the check-in, with us for a month) types /checkin and
presses the four answers, all at once, through the dispatcher (routing, flow state, scoring, commit).
Prints completed check-ins/s and the messages (command + presses) per second behind them.
Figures: `--checkins` check-ins (one per person, a second for a fifth of them) bulk-inserted into a
SQLite file, then `insights.checkins.checkin_chapter` for the year is timed (bar: ≤ 5 s over 1M).
"""
from __future__ import annotations

import argparse
import asyncio
import platform
import random
import shlex
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from content.people import STORED_AGE_BANDS
from engines.crisis import warm_up
from handlers.core.flood import Limits
from handlers.core.types import Incoming, Reply
from insights.checkins import checkin_chapter
from insights.periods import parse_period
from storage.checkin_models import Checkin, CheckinPrefs
from storage.models import Consent, Contact, Participant, new_record_key

REGIONS = ("Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Region Midtjylland", "Region Nordjylland")
NOW = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)


def seed_people(app, people: int) -> None:
    joined = NOW - timedelta(days=30)
    with app.sessions() as s:
        for i in range(people):
            p = Participant(platform="bench", external_id=f"c{i}", consent_state="given", onboarded=True,
                            language="da", age_band=STORED_AGE_BANDS[1 + i % 5], region=REGIONS[i % 5],
                            created_at=joined)
            p.consents.append(Consent(granted=True, version="1", language="da", text="bench"))
            p.contact = Contact(chat_id=f"c{i}")
            s.add(p)
            s.flush()
            s.add(CheckinPrefs(participant_id=p.id, consented_at=joined, consent_version="1", consent_language="da",
                               consent_text="bench"))
        s.commit()


async def drive(app, people: int) -> float:
    async def person(i: int) -> None:
        who, seq = f"c{i}", 0

        async def send(**kw) -> list:
            nonlocal seq
            seq += 1
            return await app.dispatcher.handle(Incoming(platform="bench", chat_id=who, user_id=who,
                                                        message_id=f"{i}-{seq}", **kw))

        out = await send(command="checkin")
        for answer in ("3", "2", str(1 + i % 3), "often"):
            keyboard = [b for r in out if isinstance(r, Reply) for row in r.buttons for b in row]
            action = next(b.action for b in keyboard if b.action.endswith(f":a:{answer}"))
            out = await send(action=action)

    started = time.perf_counter()
    await asyncio.gather(*(person(i) for i in range(people)))
    return time.perf_counter() - started


def ingest(db: str, people: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = (f"sqlite:///{tmp}/bench.db", None) if db == "sqlite" else throwaway_database()
        app = build_app(Settings.model_validate({"database": {"url": url}}), clock=lambda: NOW)
        app.dispatcher.flood.limits = Limits(10**9, 10**9, 10**9, 10**9)
        seed_people(app, people)
        warm_up()
        seconds = asyncio.run(drive(app, people))
        with app.sessions() as s:
            stored = s.scalar(select(func.count()).select_from(Checkin))
        app.engine.dispose()
        if cleanup:
            cleanup()
    assert stored == people, f"stored {stored} of {people} check-ins"
    return {"db": db, "checkins": people, "messages": 5 * people, "seconds": round(seconds, 3),
            "per_second": round(people / seconds, 1), "messages_per_second": round(5 * people / seconds, 1)}


def figures(n: int) -> dict:
    rng = random.Random(19)
    people = max(1, round(n / 1.2))
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Settings.model_validate({"database": {"url": f"sqlite:///{tmp}/figures.db",
                                                               "synchronous": "NORMAL"}}))
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        with app.engine.begin() as conn:
            conn.execute(insert(Participant), [
                {"id": i + 1, "platform": "bench", "external_id": f"f{i}", "consent_state": "given", "onboarded": True,
                 "age_band": STORED_AGE_BANDS[i % 6], "region": REGIONS[i % 5], "quote_default": False,
                 "role": "citizen", "record_key": new_record_key(), "created_at": start} for i in range(people)])
            rows, made = [], 0
            for i in range(people):
                for second in ((False, True) if i % 5 == 0 else (False,)):
                    if made == n:
                        break
                    items = [rng.choice((1, 1, 2, 2, 3)) for _ in range(3)]
                    at = start + timedelta(days=(200 if second else 0) + rng.randrange(150), minutes=i % 1440)
                    rows.append({"participant_id": i + 1, "answered_at": at, "scale_version": 1,
                                 "companionship": items[0], "left_out": items[1], "isolated": items[2],
                                 "score": sum(items), "direct": "some", "age_band": STORED_AGE_BANDS[i % 6],
                                 "region": REGIONS[i % 5]})
                    made += 1
                if len(rows) >= 50_000:
                    conn.execute(insert(Checkin), rows)
                    rows = []
            if rows:
                conn.execute(insert(Checkin), rows)
        started = time.perf_counter()
        with app.sessions() as s:
            data = checkin_chapter(s, parse_period("2026"), k=5)
        seconds = time.perf_counter() - started
        app.engine.dispose()
    return {"checkins": made, "people": people, "seconds": round(seconds, 2),
            "published_people": data["overall"].get("people")}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--checkins", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    result = {"ingest": [ingest(db, args.people) for db in dbs], "figures": figures(args.checkins)}
    for r in result["ingest"]:
        print(f"check-in ingest  {r['db']:<8} {r['checkins']:>6} check-ins ({r['messages']} messages) in "
              f"{r['seconds']:.3f} s = {r['per_second']:.1f} check-ins/s, {r['messages_per_second']:.1f} messages/s"
              f"   (bar ≥ 2000/s)")
    f = result["figures"]
    print(f"check-in figures over {f['checkins']:,} check-ins ({f['people']:,} people): {f['seconds']:.2f} s"
          f"   (bar ≤ 5 s over 1M)")
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    print("command: python -m bench.checkins " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    return result


if __name__ == "__main__":
    main()
