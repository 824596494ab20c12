"""Retention: old reflection text is deleted (and gone from the file); language, areas, counts remain."""
from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from storage.models import Reflection
from storage.retention import plan_purge, purge


async def test_purge_deletes_only_old_text(app, person, clock):
    anna = person()
    await anna.onboard()
    await anna.say("Gammel tanke om naboerne i opgangen")
    clock.advance(days=300)
    await anna.say("Ny tanke om koret")
    clock.advance(days=100)
    with app.sessions() as s:
        plan = plan_purge(s, clock(), 365)
        assert plan.count == 1
        assert purge(s, clock(), 365) == 1
        assert purge(s, clock(), 365) == 0  # a second run finds nothing more
    with app.sessions() as s:
        old, new = s.scalars(select(Reflection).order_by(Reflection.id)).all()
    assert old.text == "" and old.text_purged_at is not None and old.language == "da"
    assert new.text == "Ny tanke om koret" and new.text_purged_at is None
    said = await anna.say("/mydata")
    assert "slettet efter opbevaringsperioden" in said and "Ny tanke om koret" in said


async def test_purged_text_leaves_no_bytes_in_sqlite(sqlite_app, tmp_path, clock):
    from storage.db import scrub_sqlite_journal
    from tests.support.people import Person

    anna = Person(sqlite_app, "anna")
    await anna.onboard()
    await anna.say("Hemmelig-gammel-tekst-om-ensomhed")
    clock.advance(days=400)
    with sqlite_app.sessions() as s:
        purge(s, clock(), 365)
    scrub_sqlite_journal(sqlite_app.engine)
    for path in tmp_path.glob("samtale.db*"):
        assert b"Hemmelig-gammel-tekst" not in path.read_bytes(), path.name


def test_purge_cli_dry_run(tmp_path):
    out = subprocess.run([sys.executable, "-m", "bot.cli", "privacy", "purge", "--dry-run"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "would delete the text of 0 reflection(s) older than 365 days" in out.stdout


async def test_old_dedupe_keys_go_but_a_recent_redelivery_is_still_recognised(app, person, clock):
    from storage.models import ProcessedMessage
    from storage.retention import DEDUPE_KEEP_DAYS, purge_bookkeeping
    from tests.support.people import incoming

    anna = person()
    await anna.onboard()
    old = incoming(text="Tanke fra sidste år om biblioteket", message_id="m-old")
    await app.dispatcher.handle(old)
    clock.advance(days=DEDUPE_KEEP_DAYS + 1)
    recent = incoming(text="Tanke fra i dag om koret", message_id="m-new")
    await app.dispatcher.handle(recent)
    with app.sessions() as s:
        before = s.scalar(select(func.count()).select_from(ProcessedMessage))
        assert purge_bookkeeping(s, clock(), 365)[0] >= 1
        assert s.scalar(select(func.count()).select_from(ProcessedMessage)) < before
    # The platform sends today's message again (a retry after a timeout): still handled only once.
    assert await app.dispatcher.handle(recent) == []
    with app.sessions() as s:
        texts = [r.text for r in s.scalars(select(Reflection))]
    assert texts.count("Tanke fra i dag om koret") == 1
