"""Flood control: a flooder gets one kind note, then silence; other people are not affected."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from handlers.core.flood import FloodGate, Limits
from storage.models import Reflection

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def test_minute_limit_warns_once_then_drops_then_recovers():
    gate = FloodGate(Limits(per_minute=3, per_day=100))
    verdicts = [gate.check("telegram", "1", "1", "private", T0 + timedelta(seconds=i)) for i in range(6)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert gate.check("telegram", "1", "1", "private", T0 + timedelta(seconds=61)) == "ok"


def test_day_limit():
    gate = FloodGate(Limits(per_minute=1000, per_day=5))
    verdicts = [gate.check("telegram", "1", "1", "private", T0 + timedelta(minutes=i)) for i in range(7)]
    assert verdicts[:5] == ["ok"] * 5 and verdicts[5] == "warn"
    assert gate.check("telegram", "1", "1", "private", T0 + timedelta(days=1, minutes=1)) == "ok"


def test_people_are_counted_apart_and_groups_have_their_own_limit():
    gate = FloodGate(Limits(per_minute=100, per_day=1000, group_per_minute=2))
    assert [gate.check("t", str(u), "g", "group", T0) for u in range(4)] == ["ok", "ok", "drop", "drop"]
    assert gate.check("t", "9", "9", "private", T0) == "ok"


async def test_flooder_gets_a_note_and_nothing_more_while_others_are_served(app, person, clock):
    app.dispatcher.flood = FloodGate(Limits(per_minute=5, per_day=100))
    anna, bo = person("anna"), person("bo")
    await anna.onboard()  # 2 typed messages and 4 presses (which have their own window)
    clock.advance(minutes=2)
    said = [await anna.say(f"en tanke om fællesskab, nummer {i}") for i in range(8)]
    assert sum("gemt" in s for s in said) == 5
    assert "hurtigere" in said[5] and said[6] == said[7] == ""
    assert "samtykke" in await bo.say("/start")
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Reflection)) == 5
