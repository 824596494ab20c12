"""Reminders 24 h and 2 h before: persisted, across restarts neither lost nor doubled; nobody woken at night."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.app import build_app
from engines.dates import TZ
from handlers.events.reminders import events_tick, send_due_reminders
from handlers.events.reminders import due_times
from storage.event_models import EventReminder
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import notices, participant_id, press, seed_event, seed_people, texts


def reminders(app) -> list[EventReminder]:
    with app.sessions() as s:
        return list(s.scalars(select(EventReminder).order_by(EventReminder.due_at, EventReminder.id)))


async def test_reminders_across_restarts_are_neither_lost_nor_doubled(app, clock):
    # The event: Friday 4 December 11:00 Copenhagen (a week from the test clock).
    event_id = seed_event(app, clock(), days=7)
    a, b = seed_people(app, 2)
    en, = seed_people(app, 1, prefix="en", lang="en")
    for u in (a, b, en):
        await press(app, u, f"ev:s:{event_id}")
    assert len(reminders(app)) == 6
    assert send_due_reminders(app, clock()) == 0
    url = app.settings.database.url

    def restart():
        nonlocal app
        app.engine.dispose()
        app = build_app(app.settings, clock=clock)

    restart()
    clock.advance(days=6)  # Thursday 11:00: the 24 h reminders are due
    assert send_due_reminders(app, clock()) == 3
    assert send_due_reminders(app, clock()) == 0
    restart()
    assert send_due_reminders(app, clock()) == 0
    sent = notices(app, "ev-reminder")
    assert len(sent) == 3
    by = {n.participant_id: n.payload["text"] for n in sent}
    assert by[participant_id(app, a)].startswith("Påmindelse: »Fællesspisning« er fredag den 4. december kl. 11.00.")
    assert by[participant_id(app, en)].startswith('Reminder: "Fællesspisning" is Friday 4 December at 11:00.')
    assert [[b[1] for b in row] for row in sent[0].payload["buttons"]] == [[f"ev:v:{event_id}", f"ev:c:{event_id}"]]
    # b cannot come after all: no 2 h reminder for b.
    await press(app, b, f"ev:c:{event_id}")
    clock.advance(hours=22)  # Friday 09:00: the 2 h reminders
    restart()
    assert events_tick(app, clock())["reminders"] == 2
    assert events_tick(app, clock())["reminders"] == 0
    assert len(notices(app, "ev-reminder")) == 5
    assert {r.outcome for r in reminders(app) if r.sent_at is not None} == {"queued"}
    assert app.settings.database.url == url
    app.engine.dispose()


async def test_after_downtime_only_the_latest_reminder_goes_and_none_after_the_start(app, clock):
    event_id = seed_event(app, clock(), days=3)
    late = seed_event(app, clock(), days=1.5, title="Gåtur")
    a, = seed_people(app, 1)
    await press(app, a, f"ev:s:{event_id}")
    await press(app, a, f"ev:s:{late}")
    # Down until 1 h before the first event: both its reminders are due; only the 2 h one is sent.
    clock.advance(days=3, hours=-1)
    assert send_due_reminders(app, clock()) == 1
    outcomes = sorted((r.event_id, r.kind, r.outcome) for r in reminders(app))
    assert outcomes == [(event_id, "24h", "skipped"), (event_id, "2h", "queued"),
                        (late, "24h", "skipped"), (late, "2h", "skipped")]  # Gåtur has started


async def test_a_moved_event_reminds_again_for_the_new_time(app, clock):
    from handlers.events import reminders as rem
    from handlers.events import seats

    event_id = seed_event(app, clock(), days=2)
    a, = seed_people(app, 1)
    await press(app, a, f"ev:s:{event_id}")
    clock.advance(days=1)
    assert send_due_reminders(app, clock()) == 1
    with app.sessions() as s:
        event = seats.lock_event(s, event_id)
        event.starts_at = event.starts_at + timedelta(days=2)
        s.flush()
        rem.reschedule(s, event, clock())
        s.commit()
    clock.advance(days=2)
    assert send_due_reminders(app, clock()) == 1
    assert len(notices(app, "ev-reminder")) == 2


async def test_no_reminders_for_a_sign_up_too_close_to_the_start(app, clock):
    event_id = seed_event(app, clock(), days=0.05)  # starts in 72 minutes
    a, b = seed_people(app, 2)
    said = texts(await press(app, a, f"ev:s:{event_id}"))
    assert reminders(app) == []
    assert "påmindelse" not in said and "Kan du ikke komme alligevel" in said  # no promise we cannot keep
    later = seed_event(app, clock(), days=3)
    assert "Jeg sender dig en påmindelse" in texts(await press(app, b, f"ev:s:{later}"))


async def test_promoted_people_get_reminders_and_waiting_people_do_not(app, clock):
    event_id = seed_event(app, clock(), capacity=1)
    a, b = seed_people(app, 2)
    await press(app, a, f"ev:s:{event_id}")
    await press(app, b, f"ev:s:{event_id}")
    assert {r.participant_id for r in reminders(app)} == {participant_id(app, a)}
    await press(app, a, f"ev:c:{event_id}")
    assert {r.participant_id for r in reminders(app)} == {participant_id(app, b)}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize("start, expected", [
    (at(2026, 12, 5, 14), [at(2026, 12, 4, 14), at(2026, 12, 5, 12)]),
    # 2 h before 08:00 is 06:00: sent at 21:00 the evening before instead.
    (at(2026, 12, 5, 8), [at(2026, 12, 4, 8), at(2026, 12, 4, 21)]),
    # 24 h before 01:00 is 01:00 → 21:00 two evenings before; 2 h before is 23:00 → 21:00 the same evening.
    (at(2026, 12, 5, 1), [at(2026, 12, 3, 21), at(2026, 12, 4, 21)]),
    (at(2026, 12, 5, 22, 30), [at(2026, 12, 4, 21), at(2026, 12, 5, 20, 30)]),
])
def test_due_times_keep_the_night_quiet(start, expected):
    got = [due for _, due in due_times(start.astimezone(timezone.utc))]
    assert got == [e.astimezone(timezone.utc) for e in expected]


def test_reminders_closer_than_three_hours_become_one():
    from handlers.events.config import EventsConfig

    got = due_times(at(2026, 12, 5, 14).astimezone(timezone.utc), EventsConfig(reminder_hours=(3, 2)))
    assert got == [("2h", at(2026, 12, 5, 12).astimezone(timezone.utc))]
