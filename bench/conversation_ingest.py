"""Benchmark: vote ingest — people pressing Enig / Uenig / Ved ikke through the real dispatcher.

Run:  python -m bench.conversation_ingest [--people 400] [--votes 5] [--db sqlite|postgres|both]

Each person (consented) types /stem, then presses a vote on each statement shown, `--votes` times, all
people at once: routing, the priority draw over the open statements, the vote row, the next statement, the
commit. Prints votes/s (bar ≥ 2,000 votes/s on SQLite and PostgreSQL, issue 18).
"""
from __future__ import annotations

import argparse
import asyncio
import platform
import shlex
import sys
import tempfile
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from engines.crisis import warm_up
from handlers.core.flood import Limits
from handlers.core.types import Incoming, Reply
from storage.models import Consent, Contact, Participant
from storage.statement_models import StatementVote
from storage.statement_queries import add_statement

NOW = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)
STATEMENTS = 40


def seed(app, people: int) -> None:
    with app.sessions() as s:
        for i in range(STATEMENTS):
            add_statement(s, now=NOW, text_da=f"Udsagn {i} om fællesskab og ensomhed")
        for i in range(people):
            p = Participant(platform="bench", external_id=f"v{i}", consent_state="given", onboarded=True,
                            language="da")
            p.consents.append(Consent(granted=True, version="1", language="da", text="bench"))
            p.contact = Contact(chat_id=f"v{i}")
            s.add(p)
        s.commit()


async def drive(app, people: int, votes: int) -> float:
    async def person(i: int) -> None:
        who, seq = f"v{i}", 0

        async def send(**kw) -> list:
            nonlocal seq
            seq += 1
            return await app.dispatcher.handle(Incoming(platform="bench", chat_id=who, user_id=who,
                                                        message_id=f"{i}-{seq}", **kw))

        out = await send(command="stem")
        for n in range(votes):
            keyboard = [b for r in out if isinstance(r, Reply) for row in r.buttons for b in row]
            choice = "adp"[(i + n) % 3]
            out = await send(action=next(b.action for b in keyboard if b.action.endswith(f":{choice}")))

    started = time.perf_counter()
    await asyncio.gather(*(person(i) for i in range(people)))
    return time.perf_counter() - started


def ingest(db: str, people: int, votes: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = (f"sqlite:///{tmp}/bench.db", None) if db == "sqlite" else throwaway_database()
        app = build_app(Settings.model_validate({"database": {"url": url}}), clock=lambda: NOW)
        app.dispatcher.flood.limits = Limits(10**9, 10**9, 10**9, 10**9)
        seed(app, people)
        warm_up()
        seconds = asyncio.run(drive(app, people, votes))
        with app.sessions() as s:
            stored = s.scalar(select(func.count()).select_from(StatementVote))
        app.engine.dispose()
        if cleanup:
            cleanup()
    assert stored == people * votes, f"stored {stored} of {people * votes} votes"
    return {"db": db, "votes": stored, "seconds": round(seconds, 3), "per_second": round(stored / seconds, 1)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--votes", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    result = {"ingest": [ingest(db, args.people, min(args.votes, STATEMENTS)) for db in dbs]}
    for r in result["ingest"]:
        print(f"vote ingest  {r['db']:<8} {r['votes']:>6} votes in {r['seconds']:.3f} s = {r['per_second']:.1f} votes/s"
              f"   (bar ≥ 2000/s)")
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    print("command: python -m bench.conversation_ingest " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    return result


if __name__ == "__main__":
    main()
