"""The nightly retention job also removes never-answered consent questions and unusable message ids (issue 25)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.delivery.quiet_hours import QuietHours
from bot.maintenance import retention_job
from bot.scheduling.runtime import Runtime
from storage.message_models import PlatformMessage
from storage.message_queries import record_personal_messages
from storage.models import Participant


async def test_retention_job_drops_pending_people_and_old_telegram_ids(sqlite_app, clock):
    with sqlite_app.sessions() as s:
        s.add_all([Participant(platform="telegram", external_id="1", consent_state="given"),
                   Participant(platform="telegram", external_id="2", created_at=clock() - timedelta(days=2))])
        s.commit()
        record_personal_messages(s, "telegram", "1", "1", ["5"], clock() - timedelta(hours=49))
        record_personal_messages(s, "telegram", "1", "1", ["6"], clock())
        s.commit()
    await retention_job(Runtime(sqlite_app.sessions, (), QuietHours(), clock=clock, settings=sqlite_app.settings))
    with sqlite_app.sessions() as s:
        assert list(s.scalars(select(Participant.external_id))) == ["1"]
        assert list(s.scalars(select(PlatformMessage.message_id))) == ["6"]
