"""Scheduling rules with a controllable clock: cadence, quiet hours, once a day, fallbacks, misfires."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery.quiet_hours import QuietHours
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from bot.scheduling.cadence import campaign_tick, decide, fire_times, next_fire_time, send_now
from content.campaigns import load_campaigns
from storage.campaign_models import CampaignSend, OutboxMessage, as_utc
from bench.loopback.subscribers import add_subscribers
from tests.support.outbox import FakeSender

TZ = ZoneInfo("Europe/Copenhagen")
WINTER = load_campaigns()[0]  # Tuesdays 10:00, 2026-12-01 … 2027-02-28
QUIET = QuietHours()


def cph(*args) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(timezone.utc)


# -- quiet hours ---------------------------------------------------------------------------------

@pytest.mark.parametrize("local, quiet", [((2026, 12, 1, 20, 59), False), ((2026, 12, 1, 21, 0), True),
                                          ((2026, 12, 2, 3, 0), True), ((2026, 12, 2, 8, 59), True),
                                          ((2026, 12, 2, 9, 0), False), ((2026, 7, 1, 23, 30), True)])
def test_quiet_hours_span_midnight_in_copenhagen_time(local, quiet):
    assert QUIET.contains(cph(*local)) is quiet


def test_next_allowed_time_is_nine_in_the_morning_even_across_a_dst_change():
    assert QUIET.next_allowed(cph(2026, 12, 1, 22, 15)) == cph(2026, 12, 2, 9, 0)
    assert QUIET.next_allowed(cph(2026, 12, 2, 3, 0)) == cph(2026, 12, 2, 9, 0)
    assert QUIET.next_allowed(cph(2026, 12, 2, 12, 0)) == cph(2026, 12, 2, 12, 0)
    # The night summer time ends (25 October 2026): still 09:00 on the clock.
    assert QUIET.next_allowed(cph(2026, 10, 24, 23, 0)) == datetime(2026, 10, 25, 8, 0, tzinfo=timezone.utc)
    assert QuietHours.parse("13:00", "14:00").next_allowed(cph(2026, 12, 2, 13, 30)) == cph(2026, 12, 2, 14, 0)
    assert not QuietHours(time(0), time(0)).contains(cph(2026, 12, 2, 3, 0))


# -- cadence -------------------------------------------------------------------------------------

def test_cadence_is_copenhagen_time_within_the_campaign_dates():
    times = fire_times(WINTER, None, cph(2027, 12, 31, 0, 0))
    assert times[0] == cph(2026, 12, 1, 10, 0) == datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    assert times[-1] == cph(2027, 2, 23, 10, 0)
    assert len(times) == 13 and all(t.astimezone(TZ).hour == 10 and t.astimezone(TZ).weekday() == 1 for t in times)
    assert fire_times(WINTER, cph(2026, 12, 1, 10, 0), cph(2026, 12, 15, 10, 0)) == [cph(2026, 12, 8, 10, 0),
                                                                                     cph(2026, 12, 15, 10, 0)]
    assert next_fire_time(WINTER, cph(2026, 11, 27, 12, 0)) == cph(2026, 12, 1, 10, 0)
    assert next_fire_time(WINTER, cph(2027, 3, 1, 0, 0)) is None


def test_cadence_follows_summer_time():
    summer = replace(WINTER, starts=datetime(2027, 3, 1).date(), ends=datetime(2027, 4, 30).date())
    march, april = fire_times(summer, None, cph(2027, 4, 7, 0, 0))[3:5]
    assert (march.hour, april.hour) == (9, 8)  # 10:00 CET, then 10:00 CEST (UTC+2)


# -- misfires ------------------------------------------------------------------------------------

def test_on_time_and_a_little_late_are_sent_now():
    fire = cph(2026, 12, 1, 10, 0)
    d = decide(WINTER, fire, fire + timedelta(seconds=3), QUIET)
    assert d.send_at == fire + timedelta(seconds=3) and d.reason == "on time"
    late = decide(WINTER, fire, fire + timedelta(hours=2), QUIET)
    assert late.send_at == fire + timedelta(hours=2) and "2.0 h late" in late.reason


def test_a_time_missed_overnight_waits_for_the_morning_not_for_three_oclock():
    fire = cph(2026, 12, 1, 10, 0)
    d = decide(WINTER, fire, cph(2026, 12, 2, 3, 0), QUIET)  # the bot comes back up at 03:00
    assert d.send_at == cph(2026, 12, 2, 9, 0) and "held until 09:00" in d.reason
    # Back at 09:30 the next day: 23.5 h late, still within the day's grace — sent now.
    assert decide(WINTER, fire, cph(2026, 12, 2, 9, 30), QUIET).send_at == cph(2026, 12, 2, 9, 30)
    # An 18:00 cadence missed until 03:00: 09:00 is 15 h after it, fine; 4 h of grace would not be.
    evening = replace(WINTER, cadence="0 18 * * tue")
    assert decide(evening, cph(2026, 12, 1, 18, 0), cph(2026, 12, 2, 3, 0), QUIET).send_at == cph(2026, 12, 2, 9, 0)
    tight = replace(evening, max_delay_hours=4)
    d = decide(tight, cph(2026, 12, 1, 18, 0), cph(2026, 12, 1, 21, 30), QUIET)
    assert d.send_at is None and "next time outside quiet hours" in d.reason


def test_more_than_max_delay_late_is_skipped_and_skip_rule_skips_any_real_lateness():
    fire = cph(2026, 12, 1, 10, 0)
    d = decide(WINTER, fire, fire + timedelta(hours=25), QUIET)
    assert d.send_at is None and "more than max_delay_hours = 24" in d.reason
    strict = replace(WINTER, misfire="skip")
    assert decide(strict, fire, fire + timedelta(minutes=10), QUIET).send_at == fire + timedelta(minutes=10)
    assert decide(strict, fire, fire + timedelta(hours=1), QUIET).send_at is None


def test_a_cadence_time_inside_quiet_hours_goes_out_in_the_morning():
    late_cadence = replace(WINTER, cadence="30 22 * * fri")
    fire = cph(2026, 12, 4, 22, 30)
    d = decide(late_cadence, fire, fire, QUIET)
    assert d.send_at == cph(2026, 12, 5, 9, 0)


# -- ticks against the database --------------------------------------------------------------------

def tick(app, at, campaign=WINTER):
    return campaign_tick(app.sessions, campaign, now=at, quiet=QUIET)


def sends(app):
    with app.sessions() as s:
        return [(as_utc(c.fire_time), c.outcome, c.prompt_id) for c in
                s.scalars(select(CampaignSend).order_by(CampaignSend.id))]


def test_each_cadence_time_sends_the_next_prompt_once(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 5)
    assert tick(app, cph(2026, 11, 30, 12, 0)).decisions == []  # before the campaign starts
    first = tick(app, cph(2026, 12, 1, 10, 0, 2))
    assert first.broadcast.queued == 5 and first.broadcast.ref == "vinter-2026/nabo-hej"
    assert tick(app, cph(2026, 12, 1, 10, 5)).decisions == []  # the same time again: nothing
    second = tick(app, cph(2026, 12, 8, 10, 0))
    assert second.broadcast.ref == "vinter-2026/velkommen"
    with app.sessions() as s:
        days = sorted(s.scalars(select(OutboxMessage.day)).all())
    assert days == ["2026-12-01"] * 5 + ["2026-12-08"] * 5


def test_after_weeks_down_only_the_latest_time_counts(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 2)
    tick(app, cph(2026, 12, 1, 10, 0))
    # Down from 2 to 23 December; back on the 23rd at 03:00: the 22nd's prompt goes out at 09:00.
    result = tick(app, cph(2026, 12, 23, 3, 0))
    assert [o for _, o, _ in result.decisions] == ["skipped", "skipped", "scheduled"]
    assert "later cadence time was also missed" in result.decisions[0][2]
    assert result.broadcast.ref == "vinter-2026/velkommen" and result.broadcast.send_at == cph(2026, 12, 23, 9, 0)


def test_a_time_missed_by_more_than_a_day_is_skipped_and_its_prompt_kept(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 2)
    tick(app, cph(2026, 12, 1, 10, 0))
    result = tick(app, cph(2026, 12, 9, 12, 0))  # the 8th at 10:00 was missed by 26 h
    assert [o for _, o, _ in result.decisions] == ["skipped"] and "more than max_delay_hours" in result.decisions[0][2]
    assert tick(app, cph(2026, 12, 15, 10, 0)).broadcast.ref == "vinter-2026/velkommen"


def test_a_late_tick_at_night_schedules_the_morning(app):
    evening = replace(WINTER, cadence="0 20 * * tue")
    with app.sessions.begin() as s:
        add_subscribers(s, 3)
    result = tick(app, cph(2026, 12, 2, 2, 0), evening)  # missed 20:00, back at 02:00
    assert result.broadcast.queued == 3 and result.broadcast.send_at == cph(2026, 12, 2, 9, 0)
    with app.sessions() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    assert {as_utc(r.available_at) for r in rows} == {cph(2026, 12, 2, 9, 0)} and {r.day for r in rows} == {"2026-12-02"}


async def test_nothing_is_delivered_in_quiet_hours_even_if_queued(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 3)
    send_now(app.sessions, WINTER.prompts[0], now=cph(2026, 12, 1, 20, 50), quiet=QUIET)
    sender = FakeSender()
    at_night = Worker(app.sessions, sender, WorkerSettings(quiet=QUIET, poll_seconds=0.02),
                      clock=lambda: cph(2026, 12, 1, 21, 5))
    await at_night.drain(timeout=1, idle=lambda: True)
    assert sender.sent == []


def test_send_now_in_quiet_hours_waits_for_the_morning(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 2)
    result = send_now(app.sessions, WINTER.prompts[3], now=cph(2026, 12, 1, 23, 0), quiet=QUIET)
    assert result.queued == 2 and result.send_at == cph(2026, 12, 2, 9, 0)
    assert sends(app) == [(None, "manual", "hverdag")]
    # The cadence time of the 1st, decided late on the 2nd, finds everyone already has the day's prompt.
    late = tick(app, cph(2026, 12, 2, 10, 0))
    assert (late.broadcast.ref, late.broadcast.queued, late.broadcast.already) == ("vinter-2026/nabo-hej", 0, 2)
    # The manual prompt is never sent again by the cadence.
    assert tick(app, cph(2026, 12, 8, 10, 0)).broadcast.ref == "vinter-2026/velkommen"
    assert tick(app, cph(2026, 12, 15, 10, 0)).broadcast.ref == "vinter-2026/foerste-skridt"
    assert tick(app, cph(2026, 12, 22, 10, 0)).broadcast.ref == "vinter-2026/hoere-til"


def test_two_campaigns_on_one_day_give_a_person_one_prompt(app):
    other = replace(WINTER, id="jul-2026", prompts=tuple(replace(p, campaign_id="jul-2026") for p in WINTER.prompts))
    with app.sessions.begin() as s:
        add_subscribers(s, 4)
    assert tick(app, cph(2026, 12, 1, 10, 0)).broadcast.queued == 4
    second = tick(app, cph(2026, 12, 1, 10, 1), other)
    assert (second.broadcast.queued, second.broadcast.already) == (0, 4)


def test_every_prompt_sent_means_later_times_are_skipped(app):
    short = replace(WINTER, prompts=WINTER.prompts[:1])
    tick(app, cph(2026, 12, 1, 10, 0), short)
    result = tick(app, cph(2026, 12, 8, 10, 0), short)
    assert result.decisions[-1][1:] == ("skipped", "every prompt has been sent")
