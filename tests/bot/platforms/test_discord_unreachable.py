"""A press whose DM cannot be opened (50007) keeps nothing of someone who never saw the consent text (issue 25)."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.platforms.discord import SamtaleClient
from bot.platforms.discord.strings import text
from storage.models import Contact, FlowState, Participant
from tests.support.discord import fake  # noqa: F401 - fixture


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_a_blocked_dm_leaves_no_pending_participant(sqlite_app, fake):
    guild = fake.guild()
    channel = int(guild["channels"][0]["id"])
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        finn = fake.user("finn", blocks_dms=True)
        [pointer] = [s for s in await fake.say_in(finn, channel, "hej") if s.buttons]
        got = await fake.press(finn, pointer, "Skriv med mig privat")
        assert [s.content for s in got] == [text("da", "discord.dm_blocked")]
        assert count(sqlite_app, Participant) == 0
        assert count(sqlite_app, Contact) == 0 and count(sqlite_app, FlowState) == 0
    finally:
        await client.close()
