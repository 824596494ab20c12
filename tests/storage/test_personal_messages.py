"""The ids of the bot's messages that showed a person's data: recorded, taken once by erasure, then gone
(issue 25). On SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from handlers.core.types import DeleteMessages, Reply
from storage.campaign_models import SENT, OutboxMessage
from storage.message_models import PlatformMessage
from storage.message_queries import forget_undeletable, record_personal_messages, take_personal_messages
from storage.models import Participant
from storage.outbox import enqueue
from storage.repo import find_participant


async def test_recorded_ids_and_personal_outbox_notices_are_taken_once(app, person, clock):
    anna = person("anna")
    await anna.onboard()
    with app.sessions() as s:
        # Nothing is recorded for someone we do not hold.
        assert record_personal_messages(s, "console", "nobody", "x", ["1"], clock()) == 0
        assert record_personal_messages(s, "console", "anna", "anna", ["11", "12"], clock()) == 2
        p = find_participant(s, "console", "anna")
        enqueue(s, kind="ev-promoted", ref="1", participant_id=p.id, platform="console",
                intent=Reply("Du har fået en plads til »Gåtur«.", personal=True), now=clock())
        enqueue(s, kind="prompt", ref="p1", participant_id=p.id, platform="console",
                intent=Reply("Hvem talte du med i dag?"), now=clock())
        s.execute(update(OutboxMessage).values(status=SENT, sent_at=clock(), platform_message_id="21"))
        s.commit()

    with app.sessions() as s:
        p = find_participant(s, "console", "anna")
        taken = take_personal_messages(s, p)
        s.commit()
    assert [(chat, mid) for chat, mid, _ in taken] == [("anna", "11"), ("anna", "12"), ("anna", "21")]
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlatformMessage)) == 0
        kept = dict(s.execute(select(OutboxMessage.kind, OutboxMessage.platform_message_id)).all())
        assert kept == {"ev-promoted": None, "prompt": "21"}  # a prompt shows nothing of her
        assert take_personal_messages(s, find_participant(s, "console", "anna")) == []


async def test_forget_hands_the_adapter_the_messages_to_delete(app, person, clock):
    anna = person("anna")
    await anna.onboard()
    with app.sessions() as s:
        record_personal_messages(s, "console", "anna", "anna", ["7"], clock())
        s.commit()
    await anna.say("/forget")
    await anna.press("Ja, slet alt")
    [deletion] = [i for i in anna.last if isinstance(i, DeleteMessages)]
    assert deletion.platform == "console" and [m.message_id for m in deletion.messages] == ["7"]
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlatformMessage)) == 0


async def test_ids_telegram_no_longer_lets_the_bot_delete_are_not_kept(app, clock):
    with app.sessions() as s:
        s.add_all([Participant(platform="telegram", external_id="1", consent_state="given"),
                   Participant(platform="discord", external_id="2", consent_state="given")])
        s.commit()
        old = clock() - timedelta(hours=49)
        record_personal_messages(s, "telegram", "1", "1", ["5"], old)
        record_personal_messages(s, "telegram", "1", "1", ["6"], clock())
        record_personal_messages(s, "discord", "2", "9", ["7"], old)  # Discord: deletable at any age
        s.commit()
        assert forget_undeletable(s, clock()) == 1
        s.commit()
        assert sorted(s.scalars(select(PlatformMessage.message_id))) == ["6", "7"]
