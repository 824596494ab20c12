"""`samtale organiser` and `samtale events` for facilitators, the periodic job, and delivery through the outbox."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from bot.app import build_app
from bot.cli import main
from bot.config import load_settings
from storage.event_models import Event
from tests.support.events import notices, press, seed_event, seed_people


@pytest.fixture
def cli(tmp_path):
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n'
                      '[events.telegram_channels]\n"Århus" = [-1001234567890]\n')
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        result = runner.invoke(main, [*args, "--config", str(config)], input=input, catch_exceptions=False)
        return result

    run.config = str(config)
    return run


def test_invite_list_revoke(cli):
    out = cli("organiser", "invite", "--municipality", "århus", "--org", "Røde Kors Aarhus")
    assert out.exit_code == 0, out.output
    code = re.search(r"/organiser ([A-Z0-9]{5}-[A-Z0-9]{5})", out.output).group(1)
    listed = cli("organiser", "list").output
    assert "Røde Kors Aarhus" in listed and code[:4] in listed and code not in listed and "open" in listed
    assert "revoked (it had not been used)" in cli("organiser", "revoke", code).output
    assert "already revoked" in cli("organiser", "revoke", "1").output
    assert cli("organiser", "revoke", "NOPE-NOPE").exit_code != 0
    bad = cli("organiser", "invite", "--municipality", "Atlantis", "--org", "Nogen")
    assert bad.exit_code != 0 and "unknown municipality" in bad.output


def test_config_names_a_bad_municipality(tmp_path):
    from bot.config import ConfigError

    bad = tmp_path / "bad.toml"
    bad.write_text('[events.discord_channels]\n"Atlantis" = ["1"]\n')
    with pytest.raises(ConfigError, match=r"`events.discord_channels`.*Atlantis"):
        load_settings(bad)
    good = load_settings(None, env={})  # defaults: no channels
    assert good.events.telegram_channels == {} and good.events.reminder_hours == [24, 2]


async def test_events_list_show_cancel_tick(cli):
    settings = load_settings(cli.config)
    app = build_app(settings)
    now = datetime.now(timezone.utc)
    event_id = seed_event(app, now, capacity=2, days=3)
    users = seed_people(app, 3)
    for u in users:
        await press(app, u, f"ev:s:{event_id}")
    with app.sessions() as s:
        from storage.event_models import EventProfile
        from tests.support.events import participant_id

        s.add(EventProfile(participant_id=participant_id(app, users[0]), display_name="Bente"))
        s.commit()
    listed = cli("events", "list").output
    assert "Fællesspisning" in listed and "2/2" in listed and "open" in listed
    assert "Fællesspisning" in cli("events", "list", "--municipality", "aarhus").output
    shown = cli("events", "show", str(event_id)).output
    assert "seats: 2 of 2; waiting: 1" in shown and "ev_" in shown and "Bente" not in shown
    shown = cli("events", "show", str(event_id), "--attendees").output
    assert "1. Bente" in shown and "(no name)" in shown and users[0] not in shown
    assert cli("events", "show", "999").exit_code != 0
    assert "reminders queued: 0; promoted from waitlists: 0" in cli("events", "tick").output
    aborted = cli("events", "cancel", str(event_id), input="n\n")
    assert aborted.exit_code != 0
    out = cli("events", "cancel", str(event_id), "--note", "Lokalet er lukket", "--yes").output
    assert "3 people will be told" in out
    told = notices(app, "ev-cancelled")
    assert len(told) == 3 and "Lokalet er lukket" in told[0].payload["text"]
    assert "already cancelled" in cli("events", "cancel", str(event_id), "--yes").output
    assert "cancelled" in cli("events", "list", "--all").output
    with app.sessions() as s:
        assert s.get(Event, event_id).status == "cancelled"
    app.engine.dispose()


def test_the_periodic_job_is_in_the_scheduler_job_list(sqlite_app):
    from bot.scheduling.jobs import periodic_jobs

    job = {j.name: j for j in periodic_jobs(sqlite_app.settings)}["events"]
    assert job.func == "bot.scheduling.jobs:events_job"
    assert "cron" in repr(job.trigger).lower()


async def test_the_job_runs_with_the_scheduler_runtime(sqlite_app, clock):
    from bot.delivery.quiet_hours import QuietHours
    from bot.scheduling.jobs import events_job
    from bot.scheduling.runtime import Runtime

    event_id = seed_event(sqlite_app, clock(), days=1.5)
    a, = seed_people(sqlite_app, 1)
    await press(sqlite_app, a, f"ev:s:{event_id}")
    # What a leading process's scheduler hands each job.
    rt = Runtime(sqlite_app.sessions, (), QuietHours(), clock=clock)
    clock.advance(hours=12)
    await events_job(rt)
    assert len(notices(sqlite_app, "ev-reminder")) == 1
    await events_job(rt)
    assert len(notices(sqlite_app, "ev-reminder")) == 1


async def test_notices_are_delivered_by_the_outbox_worker(sqlite_app, clock):
    """A promotion queued by a cancellation reaches the promoted person through bot.delivery's Worker."""
    from bot.delivery.worker import Worker
    from bot.delivery.worker_settings import WorkerSettings
    from tests.support.outbox import FakeSender

    event_id = seed_event(sqlite_app, clock(), capacity=1)
    a, b = seed_people(sqlite_app, 2)
    await press(sqlite_app, a, f"ev:s:{event_id}")
    await press(sqlite_app, b, f"ev:s:{event_id}")
    await press(sqlite_app, a, f"ev:c:{event_id}")
    sender = FakeSender(platform="console")
    worker = Worker(sqlite_app.sessions, sender, WorkerSettings(poll_seconds=0.01), clock=clock)
    await worker.start()
    try:
        await worker.drain(timeout=10)
    finally:
        await worker.close()
    [text] = sender.texts(b)
    assert text.startswith("Godt nyt! Der er blevet en plads til dig")
    assert sender.texts(a) == []
