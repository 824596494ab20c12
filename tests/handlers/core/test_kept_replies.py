"""Durable replies in the core: a reply is stored with what it answers, a redelivery whose reply was never
sent gets it (once), /forget takes kept replies with the person, and two processes never claim one row."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from handlers.core.kept import Keep, unpack
from storage.db import writer
from storage.models import Reflection
from storage.reply_models import PendingReply
from storage.reply_queries import claim_expired, forget_replies, keep_reply
from tests.support.people import incoming

LEASE = timedelta(seconds=60)


def kept_rows(app) -> list[PendingReply]:
    with app.sessions() as s:
        return list(s.scalars(select(PendingReply).order_by(PendingReply.id)))


async def test_a_reflection_and_its_receipt_are_kept_together_and_a_redelivery_gets_the_receipt_once(app, person,
                                                                                                     clock):
    anna = person("anna")
    await anna.onboard()
    said = incoming(text="Jeg savner min bror om søndagen", message_id="m900")
    first = await app.dispatcher.handle_kept(said, Keep({"chat_type": "private"}, LEASE))
    assert first.intents and first.reply_id is not None
    [row] = kept_rows(app)
    assert row.participant_id is not None and unpack(row.payload) == (first.intents, {"chat_type": "private"})
    # Telegram says it again while this process is still sending: nothing new, no second receipt.
    assert (await app.dispatcher.handle_kept(said, Keep({}, LEASE))).intents == []
    # The process died without sending (its lease ran out): the redelivery gets the receipt it never had.
    clock.advance(seconds=61)
    again = await app.dispatcher.handle_kept(said, Keep({}, LEASE))
    assert again.intents == first.intents and again.reply_id == first.reply_id
    assert again.render == {"chat_type": "private"}
    # Once sent and forgotten, a further redelivery is only a duplicate.
    with writer(app.sessions()) as s:
        forget_replies(s, [again.reply_id])
        s.commit()
    clock.advance(seconds=61)
    assert (await app.dispatcher.handle_kept(said, Keep({}, LEASE))).intents == []
    with app.sessions() as s:
        assert len(s.scalars(select(Reflection)).all()) == 1


async def test_without_keep_nothing_is_stored_beside_the_reply(app, person):
    anna = person("anna")
    await anna.onboard()
    await anna.say("En tanke")
    assert kept_rows(app) == []


async def test_forget_takes_the_kept_replies_with_the_person(app, person):
    anna, bo = person("anna"), person("bo")
    await anna.onboard()
    await bo.onboard()
    for who in ("anna", "bo"):
        await app.dispatcher.handle_kept(incoming(chat_id=who, user_id=who, text=f"{who} skriver", message_id="m1"),
                                         Keep({}, LEASE))
    assert len(kept_rows(app)) == 2
    await anna.say("/forget")
    await anna.press("Ja, slet alt")
    left = kept_rows(app)
    assert [r.chat_id for r in left] == ["bo"]


def test_two_processes_racing_for_expired_replies_never_get_the_same_one(app, clock):
    with app.sessions() as s:
        for i in range(40):
            keep_reply(s, participant_id=None, platform="telegram", chat_id=str(i), message_key=None,
                       payload={"intents": [], "render": {}}, now=clock() - timedelta(minutes=5), lease=LEASE)
        s.commit()
    got: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claim(n: int) -> None:
        start.wait()
        while True:
            with writer(app.sessions()) as s:
                rows = claim_expired(s, "telegram", clock(), LEASE, limit=7)
                s.commit()
            if not rows:
                return
            got[n].extend(r.id for r in rows)

    threads = [threading.Thread(target=claim, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not set(got[0]) & set(got[1])
    assert sorted(got[0] + got[1]) == [r.id for r in kept_rows(app)]
    with writer(app.sessions()) as s:  # all claimed now: nobody else gets them until the lease runs out
        assert claim_expired(s, "telegram", clock(), LEASE) == []
        clock.advance(seconds=61)
        assert len(claim_expired(s, "telegram", clock(), LEASE)) == 40
