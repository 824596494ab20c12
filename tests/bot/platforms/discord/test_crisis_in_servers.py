"""Crisis language in a Discord server is never answered in the channel: a neutral offer there, the crisis
reply in a DM. Real discord.py objects against the recording fake of Discord."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.platforms.discord import SamtaleClient
from bot.platforms.discord.strings import text
from content.i18n import t
from engines.crisis import crisis_reply
from storage.models import Reflection
from tests.support.fakes.discord_api import Sent
from tests.support.discord import fake  # noqa: F401 - fixture

CRISIS = "jeg vil ikke leve mere, jeg vil tage mit eget liv"
REVEALING = ("Livslinien", "70 201 201", "112", "116 111", "BørneTelefonen", "leve", "liv ")


@pytest.fixture
async def server(sqlite_app, fake):
    """A server with one channel, and Samtale connected; yields the channel id."""
    guild = fake.guild()
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        yield int(guild["channels"][0]["id"])
    finally:
        await client.close()


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def assert_reveals_nothing(sent: Sent) -> None:
    shown = " ".join([sent.content, *sent.labels])
    assert crisis_reply("da") not in shown
    assert not [w for w in REVEALING if w.lower() in shown.lower()], shown


async def test_a_mention_with_crisis_words_gets_a_neutral_offer_and_the_reply_by_dm(sqlite_app, fake, server):
    cleo = fake.user("cleo")
    got = await fake.say_in(cleo, server, CRISIS)
    in_channel = [s for s in got if s.channel_id == server]
    [offer] = in_channel
    assert offer.content == t("da", "common.private_offer")
    assert_reveals_nothing(offer)
    assert not offer.payload.get("message_reference")  # not a reply to what she wrote
    assert offer.labels == [text("da", "discord.open_dm")]
    # The crisis reply went to her DM at once.
    dms = fake.dms(cleo)
    assert dms and dms[0].content == crisis_reply("da")
    assert count(sqlite_app, Reflection) == 0

    # Pressing the button (she may have missed the DM) opens it again, privately.
    got = await fake.press(cleo, offer, text("da", "discord.open_dm"))
    assert [s.content for s in got if s.channel_id == server] == [text("da", "discord.dm_sent")]
    assert all(s.ephemeral for s in got if s.channel_id == server)
    assert crisis_reply("da") in [s.content for s in got if s.channel_id == fake.dm_channel(cleo)]
    for sent in fake.in_channel(server):
        assert_reveals_nothing(sent)


async def test_when_dms_are_closed_the_offer_still_reveals_nothing(sqlite_app, fake, server):
    dora = fake.user("dora")
    fake.blocks_dms.add(int(dora["id"]))
    got = await fake.say_in(dora, server, CRISIS)
    [offer] = [s for s in got if s.channel_id == server]
    assert_reveals_nothing(offer)
    assert offer.labels == [text("da", "discord.open_dm")]
    # Pressing it: the crisis reply as an answer only she can see, and how to allow DMs.
    got = await fake.press(dora, offer, text("da", "discord.open_dm"))
    assert [(s.content, s.ephemeral) for s in got] == [
        (crisis_reply("da").strip(), True), (text("da", "discord.dm_blocked"), True)]
    # Someone else pressing the same button gets no crisis reply, only their own DM.
    bo = fake.user("bo")
    got = await fake.press(bo, offer, text("da", "discord.open_dm"))
    assert crisis_reply("da").strip() not in [s.content.strip() for s in got]
    # Once she allows DMs, the button gives her the crisis reply there.
    fake.blocks_dms.discard(int(dora["id"]))
    await fake.press(dora, offer, text("da", "discord.open_dm"))
    assert fake.dms(dora)[-2].content == crisis_reply("da")
    for sent in fake.in_channel(server):
        if not sent.ephemeral:
            assert_reveals_nothing(sent)


async def test_a_slash_command_with_crisis_words_in_a_server(sqlite_app, fake, server):
    erik = fake.user("erik")
    got = await fake.slash(erik, "start", channel_id=server, options={"payload": CRISIS})
    for sent in [s for s in got if s.channel_id == server]:
        assert_reveals_nothing(sent)
    assert fake.dms(erik)[0].content == crisis_reply("da")


async def test_repeated_crisis_mentions_within_a_minute_add_nothing_to_the_channel(sqlite_app, fake, server, clock):
    cleo = fake.user("cleo")
    assert len([s for s in await fake.say_in(cleo, server, CRISIS) if s.channel_id == server]) == 1
    # The offer still stands: no second one, and no pointer threaded to what she wrote.
    assert [s for s in await fake.say_in(cleo, server, CRISIS) if s.channel_id == server] == []
    clock.advance(minutes=1)
    [offer] = [s for s in await fake.say_in(cleo, server, CRISIS) if s.channel_id == server]
    assert offer.content == t("da", "common.private_offer") and not offer.payload.get("message_reference")
