"""The outbox: one delivery per person, paced, retried on 429 and network trouble, stopped for a block."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot.delivery.broadcast import broadcast_prompt
from bot.delivery.pacing import PlatformLimits, RateLimiter
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.senders import SendResult
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from content.campaigns import load_campaigns
from handlers.core.types import Reply
from storage.campaign_models import (
    PRIORITY_INTERACTIVE,
    OutboxMessage,
    PromptSubscription,
)
from storage.models import Contact, Participant
from bench.loopback.subscribers import add_subscribers
from storage.outbox import enqueue
from storage.outbox_queries import counts_by_platform
from tests.support.outbox import FakeSender

CAMPAIGN = load_campaigns()[0]
PROMPT, SECOND, TARGETED = CAMPAIGN.prompts[0], CAMPAIGN.prompts[1], CAMPAIGN.prompt("frikvarter")
NOON = datetime(2026, 3, 3, 11, 0, tzinfo=timezone.utc)  # 12:00 in Copenhagen, in the past


def fast(**kw) -> WorkerSettings:
    base = dict(limits=PlatformLimits(rate=1000, per_chat_interval=0), poll_seconds=0.02, lease_seconds=30,
                backoff_seconds=0.05, max_backoff_seconds=0.1, quiet=QuietHours.parse("00:00", "00:00"))
    base.update(kw)
    return WorkerSettings(**base)


def worker(app, sender, clock=None, **kw) -> Worker:
    return Worker(app.sessions, sender, fast(**kw), clock=clock or (lambda: datetime.now(timezone.utc)),
                  rate_limiter=RateLimiter(kw.get("limits", PlatformLimits(1000, 0)).rate))


def statuses(app) -> dict[str, int]:
    with app.sessions() as s:
        return dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


def broadcast(app, prompt=PROMPT, at=NOON):
    with app.sessions.begin() as s:
        return broadcast_prompt(s, prompt, now=at, send_at=at)


async def test_broadcast_reaches_every_subscriber_exactly_once(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 40)
        add_subscribers(s, 10, start=1000, language="en")
    result = broadcast(app)
    assert (result.eligible, result.queued, result.already) == (50, 50, 0)
    again = broadcast(app)
    assert (again.queued, again.already) == (0, 50)  # a rerun adds nothing
    sender = FakeSender()
    await worker(app, sender).drain(timeout=20)
    assert sorted(sender.per_chat().values()) == [1] * 50
    assert statuses(app) == {"sent": 50}
    assert PROMPT.text["da"] in sender.texts("1")[0] and "Du behøver ikke svare" in sender.texts("1")[0]
    assert PROMPT.text["en"] in sender.texts("1000")[0] and "You don't have to answer" in sender.texts("1000")[0]
    [(_, intent, key)] = [x for x in sender.sent if x[0] == "1"]
    assert key.startswith("prompt:vinter-2026/nabo-hej:")
    assert [b.label for row in intent.buttons for b in row] == ["Svar", "Ikke nu"]


async def test_language_without_text_falls_back_to_danish(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 2, language="uk")
        add_subscribers(s, 1, start=50, language=None)
    broadcast(app)
    sender = FakeSender()
    await worker(app, sender).drain(timeout=20)
    assert all(PROMPT.text["da"] in sender.texts(c)[0] for c in ("1", "2", "50"))


async def test_one_prompt_a_day_and_one_a_week_for_weekly(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 3)
        add_subscribers(s, 2, start=100, frequency="weekly")
    assert broadcast(app, PROMPT).queued == 5
    assert broadcast(app, SECOND).queued == 0  # same day: nobody gets a second prompt
    next_day = NOON + timedelta(days=1)
    assert broadcast(app, SECOND, next_day).queued == 3  # weekly people wait a week
    assert broadcast(app, CAMPAIGN.prompts[2], NOON + timedelta(days=7)).queued == 5


async def test_target_groups_and_municipalities(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 2, age_band="18-29")
        add_subscribers(s, 2, start=10, age_band="65-79")
        add_subscribers(s, 1, start=20, age_band=None)
    assert broadcast(app, TARGETED).queued == 2
    from dataclasses import replace
    local = replace(PROMPT, id="lokal", municipalities=("Odense",))
    assert broadcast(app, local, NOON + timedelta(days=1)).queued == 0


async def test_people_who_do_not_want_prompts_get_none(app):
    with app.sessions.begin() as s:
        ids = add_subscribers(s, 5)
        s.execute(update(PromptSubscription).where(PromptSubscription.participant_id == ids[0]).values(paused=True))
        s.execute(update(PromptSubscription).where(PromptSubscription.participant_id == ids[1]).values(subscribed=False))
        s.execute(update(PromptSubscription).where(PromptSubscription.participant_id == ids[2]).values(frequency="events"))
        s.execute(update(Contact).where(Contact.participant_id == ids[3]).values(reachable=False))
    assert broadcast(app).queued == 1


async def test_pausing_after_the_broadcast_was_queued_still_stops_it(app):
    with app.sessions.begin() as s:
        ids = add_subscribers(s, 3)
    broadcast(app)
    with app.sessions.begin() as s:
        s.execute(update(PromptSubscription).where(PromptSubscription.participant_id == ids[0]).values(paused=True))
        s.execute(update(Participant).where(Participant.id == ids[1]).values(consent_state="withdrawn"))
    sender = FakeSender()
    await worker(app, sender).drain(timeout=20)
    assert sender.per_chat() == {"3": 1}
    assert statuses(app) == {"sent": 1, "cancelled": 2}


async def test_429_is_retried_after_retry_after_and_403_marks_the_person_unreachable(app):
    with app.sessions.begin() as s:
        ids = add_subscribers(s, 6)
    broadcast(app)
    sender = FakeSender(script={"2": [SendResult.retry(0.2)], "3": [SendResult.blocked("Forbidden: bot was blocked")]})
    w = worker(app, sender)
    await w.drain(timeout=20)
    assert sender.per_chat() == {"1": 1, "2": 1, "4": 1, "5": 1, "6": 1}
    assert w.stats["retry_after"] == 1 and w.stats["blocked"] == 1
    with app.sessions() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.participant_id == ids[2])).one()
        assert (row.status, row.last_error) == ("blocked", "Forbidden: bot was blocked")
        assert s.get(Contact, ids[2]).reachable is False
        retried = s.scalars(select(OutboxMessage).where(OutboxMessage.participant_id == ids[1])).one()
        assert (retried.status, retried.attempts) == ("sent", 1)
    # The blocked person is left out of the next broadcast.
    assert broadcast(app, SECOND, NOON + timedelta(days=1)).queued == 5


async def test_transient_errors_back_off_then_fail_with_the_reason(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 2)
    broadcast(app)
    flaky = [SendResult.transient("NetworkError: connection reset")] * 2
    dead = [SendResult.transient("TimedOut")] * 10
    sender = FakeSender(script={"1": list(flaky), "2": list(dead)})
    await worker(app, sender, max_attempts=4).drain(timeout=20)
    assert sender.per_chat() == {"1": 1}
    with app.sessions() as s:
        rows = {r.participant_id: r for r in s.scalars(select(OutboxMessage))}
    first, second = sorted(rows.values(), key=lambda r: r.participant_id)
    assert (first.status, first.attempts) == ("sent", 3)
    assert (second.status, second.attempts) == ("failed", 4)
    assert second.last_error == "gave up after 4 attempts: TimedOut"


async def test_bad_request_fails_at_once(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 1)
    broadcast(app)
    sender = FakeSender(script={"1": [SendResult.failed("Bad Request: message text is empty")]})
    await worker(app, sender).drain(timeout=20)
    with app.sessions() as s:
        row = s.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "Bad Request: message text is empty")


async def test_quiet_hours_hold_prompts_but_not_interactive_messages(app):
    with app.sessions.begin() as s:
        ids = add_subscribers(s, 3)
    late = datetime(2026, 12, 1, 21, 30, tzinfo=timezone.utc)  # 22:30 in Copenhagen
    broadcast(app, at=late - timedelta(hours=2))
    with app.sessions.begin() as s:
        enqueue(s, kind="notice", ref="n1", participant_id=ids[0], platform="telegram", intent=Reply("hej"),
                now=late, priority=PRIORITY_INTERACTIVE, quiet=False)
    sender = FakeSender()
    w = worker(app, sender, clock=lambda: late, quiet=QuietHours())
    await w.drain(timeout=5, idle=lambda: len(sender.sent) >= 1 and not w._inflight)
    assert [t for _, i, _ in sender.sent for t in [i.text]] == ["hej"]
    assert statuses(app) == {"sent": 1, "queued": 3}
    morning = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)  # 09:00 in Copenhagen
    await worker(app, sender, clock=lambda: morning, quiet=QuietHours()).drain(timeout=10)
    assert statuses(app) == {"sent": 4}


async def test_interactive_messages_go_before_bulk(app):
    with app.sessions.begin() as s:
        ids = add_subscribers(s, 30)
    broadcast(app)
    with app.sessions.begin() as s:
        enqueue(s, kind="notice", ref="urgent", participant_id=ids[-1], platform="telegram", intent=Reply("først"),
                now=NOON + timedelta(seconds=1), priority=PRIORITY_INTERACTIVE)
    sender = FakeSender()
    await worker(app, sender, concurrency=1).drain(timeout=20)
    assert sender.sent[0][1].text == "først"
    assert len(sender.sent) == 31


async def test_enqueue_is_idempotent(app):
    with app.sessions.begin() as s:
        [pid] = add_subscribers(s, 1)
        assert enqueue(s, kind="reminder", ref="ev1", participant_id=pid, platform="telegram", intent=Reply("x"),
                       now=NOON)
        assert not enqueue(s, kind="reminder", ref="ev1", participant_id=pid, platform="telegram",
                           intent=Reply("x"), now=NOON)
    with app.sessions() as s:
        assert counts_by_platform(s)["telegram"]["queued"] == 1


async def test_a_dead_workers_rows_are_taken_over_when_the_lease_runs_out(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 4)
    broadcast(app)
    now = datetime.now(timezone.utc)
    dead = Worker(app.sessions, FakeSender(), fast(lease_seconds=30), worker_id="dead")
    assert len(dead._claim(2)) == 2  # claimed, then the process "dies" without sending
    sender = FakeSender()
    alive = Worker(app.sessions, sender, fast(lease_seconds=30), worker_id="alive",
                   clock=lambda: datetime.now(timezone.utc))
    await alive.drain(timeout=5, idle=lambda: len(sender.sent) >= 2 and not alive._inflight)
    assert len(sender.sent) == 2  # the leased two are not touched while the lease holds
    later = Worker(app.sessions, sender, fast(lease_seconds=30), worker_id="later",
                   clock=lambda: now + timedelta(seconds=31))
    await later.drain(timeout=10)
    assert sorted(sender.per_chat().values()) == [1, 1, 1, 1]


async def test_sqlite_worker_recovers_its_platforms_rows_at_start(sqlite_app):
    app = sqlite_app
    with app.sessions.begin() as s:
        add_subscribers(s, 3)
    broadcast(app)
    dead = Worker(app.sessions, FakeSender(), fast(), worker_id="dead")
    assert len(dead._claim(3)) == 3
    sender = FakeSender()
    w = worker(app, sender)
    await w.start()
    assert w.exclusive
    await w.drain(timeout=10)
    await w.close()
    assert sorted(sender.per_chat().values()) == [1, 1, 1]


async def test_two_workers_on_one_database_never_send_the_same_row(app):
    with app.sessions.begin() as s:
        add_subscribers(s, 300)
    broadcast(app)
    sender = FakeSender(latency=0.001)
    a = Worker(app.sessions, sender, fast(batch=20), worker_id="a", rate_limiter=RateLimiter(2000))
    b = Worker(app.sessions, sender, fast(batch=20), worker_id="b", rate_limiter=RateLimiter(2000))
    import asyncio
    await asyncio.gather(a.drain(timeout=60), b.drain(timeout=60))
    assert len(sender.sent) == 300 and set(sender.per_chat().values()) == {1}
    assert a.stats["sent"] > 0 and b.stats["sent"] > 0


async def test_rate_limiter_paces_and_pauses():
    t = [0.0]
    slept: list[float] = []

    async def sleep(s):
        slept.append(s)
        t[0] += s

    limiter = RateLimiter(10, burst=0, clock=lambda: t[0], sleep=sleep)
    for _ in range(5):
        await limiter.acquire()
    assert t[0] == pytest.approx(0.4)
    limiter.pause(2)
    await limiter.acquire()
    assert t[0] == pytest.approx(2.4)
    limiter.interactive()  # an interactive reply takes the next slot; bulk waits one more interval
    await limiter.acquire()
    assert t[0] == pytest.approx(2.6)


async def test_delivering_beside_the_dispatcher_on_sqlite_loses_nothing(sqlite_app):
    """The worker writes from its own thread while people talk to the bot: both wait their turn."""
    import asyncio

    from storage.models import Reflection
    from tests.support.people import Person

    app = sqlite_app
    app.dispatcher.flood.limits = type(app.dispatcher.flood.limits)(10**9, 10**9, 10**9)
    people = [Person(app, f"p{i}") for i in range(8)]
    for p in people:
        await p.onboard()
    with app.sessions.begin() as s:
        add_subscribers(s, 600)
    broadcast(app)
    sender = FakeSender(latency=0.0005)
    w = worker(app, sender, limits=PlatformLimits(rate=2000, per_chat_interval=0))

    async def talk(p):
        said = []
        for n in range(15):
            said.append(await p.say(f"Tanke nummer {n} fra {p.name}"))
            await asyncio.sleep(0)
        return said

    drained, *talks = await asyncio.gather(w.drain(timeout=60), *(talk(p) for p in people))
    assert not any("gik galt" in line for said in talks for line in said)
    assert len(sender.sent) == 600
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Reflection)) == 8 * 15
