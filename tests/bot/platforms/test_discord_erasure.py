"""Issue 25 on Discord: /forget and withdrawal delete the bot's own DMs that showed the person's data
(Discord allows it at any age), forget their ids, and say truthfully what stays."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.platforms.discord import SamtaleClient
from content.i18n import t
from storage.message_models import PlatformMessage
from storage.models import Participant, Reflection
from tests.support.fakes.discord_api import FakeDiscord, Sent
from tests.support.discord import fake  # noqa: F401 - fixture


@pytest.fixture
async def bot(sqlite_app, fake):
    client = await fake.connect(SamtaleClient(sqlite_app))
    yield client
    await client.close()


def rows(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def with_buttons(sent: list[Sent]) -> Sent:
    return [s for s in sent if s.buttons][-1]


async def onboard(fake: FakeDiscord, user: dict) -> None:
    got = await fake.slash(user, "start")
    got = await fake.press(user, with_buttons(got), "Ja, jeg giver")
    got = await fake.press(user, with_buttons(got), "Dansk")
    got = await fake.press(user, with_buttons(got), "30–49")
    got = await fake.dm(user, "Aarhus")
    await fake.press(user, with_buttons(got), "Ja, anonymt")


def showing(fake: FakeDiscord, user: dict, words: str) -> list[Sent]:
    """The bot's messages still in the DM that show `words` or carry a file."""
    return [s for s in fake.dms(user) if words in s.content or s.files]


async def test_forget_in_a_dm_deletes_every_bot_message_with_her_data(sqlite_app, fake, bot):
    anna = fake.user("anna")
    await onboard(fake, anna)
    [receipt] = await fake.dm(anna, "Jeg savner nogen at spise med.")
    text_reply = await fake.dm(anna, "/mydata")  # typed in the DM
    slash_reply = await fake.slash(anna, "mydata")  # and as the slash command (interaction follow-ups)
    assert len(showing(fake, anna, "Jeg savner nogen")) == 4  # two summaries, two files
    bot.sent_log.flush()  # ids are written in batches, within a second
    assert rows(sqlite_app, PlatformMessage) == 5

    got = await fake.slash(anna, "forget")
    got = await fake.press(anna, got[-1], "Ja, slet alt")

    assert showing(fake, anna, "Jeg savner nogen") == []
    assert all(s.deleted for s in (receipt, *text_reply, *slash_reply))
    assert got[-1].content == t("da", "forget.done", remains=t("da", "privacy.remains.discord"))
    assert "kun du slette" in got[-1].content  # her own messages: only she can delete them
    assert rows(sqlite_app, PlatformMessage) == 0 and rows(sqlite_app, Participant) == 0


async def test_withdrawal_with_deletion_removes_the_receipts_and_their_ids(sqlite_app, fake, bot):
    bo = fake.user("bo")
    await onboard(fake, bo)
    [receipt] = await fake.dm(bo, "Om aftenen er det stille.")
    got = await fake.dm(bo, "/withdraw")
    got = await fake.press(bo, with_buttons(got), "slet mine refleksioner")
    assert receipt.deleted
    assert got[-1].content == t("da", "withdraw.done_deleted", remains=t("da", "privacy.remains.discord"))
    assert rows(sqlite_app, PlatformMessage) == 0 and rows(sqlite_app, Reflection) == 0
    assert rows(sqlite_app, Participant) == 1


async def test_a_message_the_person_already_deleted_does_not_stop_the_erasure(sqlite_app, fake, bot):
    cy = fake.user("cy")
    await onboard(fake, cy)
    [receipt] = await fake.dm(cy, "Jeg går mest alene.")
    summary, document = await fake.dm(cy, "/mydata")
    receipt.deleted = True  # already gone: Discord answers 10008 Unknown Message
    got = await fake.slash(cy, "forget")
    got = await fake.press(cy, got[-1], "Ja, slet alt")
    assert summary.deleted and document.deleted
    assert got[-1].content.startswith("Alt er slettet")
