"""Samtale on Discord, driven through real discord.py objects against a recording fake of Discord.

Gateway events go in as the payload dicts Discord sends (tests/support/fakes/discord_api.py); the bot's REST and
interaction calls are answered in-process. A second set of tests drives the DM and server-message paths
through dpytest, an independent fake of the same library.
"""
from __future__ import annotations

import json
import re

import discord
import pytest
from sqlalchemy import func, select

from bot.app import FEATURES
from bot.config import Settings
from bot.platforms.discord import SamtaleClient, gateway_intents, mark_unreachable, sync_commands
from bot.platforms.discord.commands import menu_commands, parse_text_command, with_command_mentions
from bot.platforms.discord.strings import text
from bot.platforms.text import split_text, text_length
from content.i18n import t
from handlers.core.context import Registry
from storage.models import Consent, Participant, Reflection
from tests.support.discord import last_with_buttons, onboard
from tests.support.discord import fake  # noqa: F401 - fixture

ROUTES = Registry.assemble(FEATURES)


@pytest.fixture
async def bot(sqlite_app, fake):
    client = await fake.connect(SamtaleClient(sqlite_app))
    yield client
    await client.close()


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def reachable(app, user: dict) -> bool | None:
    with app.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.external_id == user["id"])).one_or_none()
        return None if p is None or p.contact is None else p.contact.reachable


# -- the DM conversation ------------------------------------------------------------------------------

async def test_dm_conversation_onboarding_reflection_undo_mydata_forget(sqlite_app, fake, bot):
    anna = fake.user("anna")
    dm = fake.dm_channel(anna)

    # Before /start nothing is kept, and she is told so.
    got = await fake.dm(anna, "Hej, er der nogen?")
    assert "Skriv /start" in got[0].content and count(sqlite_app, Participant) == 0

    # /start in the DM: acknowledged at once (not ephemeral in a DM), then the consent prompt with buttons.
    got = await fake.slash(anna, "start", locale="da")
    assert fake.callbacks[-1]["type"] == 5 and not fake.callbacks[-1].get("data")  # "thinking…", public
    prompt = got[-1]
    assert "chatbot, ikke et menneske" in got[0].content and not prompt.ephemeral
    assert prompt.labels == ["Ja, jeg giver samtykke", "Nej tak", "Læs mere", "English"]
    assert all(b["custom_id"].startswith("s:onb:") for b in prompt.buttons)

    got = await fake.press(anna, prompt, "Ja, jeg giver")
    assert fake.callbacks[-1]["type"] == 6  # deferred update: acknowledged without a visible "thinking"
    # The spent keyboard is disabled, the choice made stays highlighted.
    assert prompt.active == [] and prompt.button("Ja, jeg giver")["style"] == discord.ButtonStyle.primary.value
    assert "Hvilket sprog" in got[-1].content
    got = await fake.press(anna, got[-1], "Dansk")
    got = await fake.press(anna, got[-1], "30–49")
    municipality_question = got[-1]
    # Typing the municipality instead of pressing "skip" closes that keyboard too.
    got = await fake.dm(anna, "Aarhus")
    assert municipality_question.active == []
    assert "Aarhus" in got[0].content
    got = await fake.press(anna, got[-1], "Ja, anonymt")
    assert any("Tak, så er du med" in s.content for s in got)

    # A reflection: stored, with an undo receipt.
    got = await fake.dm(anna, "Jeg savner nogen at spise aftensmad med om søndagen.")
    receipt = got[-1]
    assert "Tak, fordi du deler det" in receipt.content and "Fortryd" in receipt.labels
    assert count(sqlite_app, Reflection) == 1
    got = await fake.press(anna, receipt, "Fortryd")
    assert "Fjernet" in got[-1].content and receipt.active == []
    assert count(sqlite_app, Reflection) == 0

    await fake.dm(anna, "Fællesspisning i opgangen ville hjælpe.")
    # /mydata: the summary and the JSON as an attachment, in her DM only.
    got = await fake.slash(anna, "mydata")
    assert "Det har vi gemt" in got[0].content
    [(filename, body)] = [f for s in got for f in s.files]
    assert filename == "samtale-mydata.json"
    held = json.loads(body)
    assert held["contact"] == {"chat_id": str(dm), "reachable": True}
    assert [r["text"] for r in held["reflections"]] == ["Fællesspisning i opgangen ville hjælpe."]
    assert all(s.channel_id == dm for s in fake.sent)

    # /forget, confirmed: nothing about her is left.
    got = await fake.slash(anna, "forget")
    got = await fake.press(anna, got[-1], "Ja, slet alt")
    assert "Alt er slettet" in got[-1].content
    assert count(sqlite_app, Participant) == 0 and count(sqlite_app, Reflection) == 0


async def test_text_commands_in_a_dm_by_either_name(fake, bot):
    anna = fake.user("anna")
    assert "/forget" in (await fake.dm(anna, "/hjælp"))[0].content
    assert "/forget" in (await fake.dm(anna, "/help"))[0].content
    assert "Vælg sprog" in (await fake.dm(anna, "/sprog"))[0].content
    assert "/findesikke" in (await fake.dm(anna, "/findesikke"))[0].content
    assert parse_text_command("/mine-data", ROUTES) == ("mydata", ())
    assert parse_text_command("/start@samtale KODE", ROUTES) == ("start", ("KODE",))
    assert parse_text_command("/ bare tekst", ROUTES) is None and parse_text_command("hej /start", ROUTES) is None


async def test_a_slash_command_discord_still_shows_but_the_code_dropped_goes_to_the_core(fake, bot):
    got = await fake.slash(fake.user("anna"), "gammel", options={"tekst": "x"})
    assert "/gammel" in got[0].content  # the core's "I don't know that command", not a silent failure


async def test_english_locale_hint_from_the_interaction(sqlite_app, fake, bot):
    ben = fake.user("ben")
    got = await fake.slash(ben, "start", locale="en-GB")
    assert "I am a chat bot, not a person" in got[0].content
    assert "Yes, I consent" in got[-1].labels


async def test_start_payload_reaches_the_core(sqlite_app, fake, bot):
    anna = fake.user("anna")
    await fake.slash(anna, "start", options={"payload": "aarhus-uge48"})
    with sqlite_app.sessions() as s:
        assert s.scalars(select(Participant)).one().flow.data["payload"] == "aarhus-uge48"


# -- buttons ------------------------------------------------------------------------------------------

async def test_a_repeated_press_gets_a_polite_ephemeral_answer(sqlite_app, fake, bot):
    anna = fake.user("anna")
    prompt = (await fake.slash(anna, "start"))[-1]
    # A double click: two interactions from the same keyboard before either is answered.
    got = await fake.press(anna, prompt, "Ja, jeg giver", times=2)
    assert count(sqlite_app, Consent) == 1
    questions = [s for s in got if "Hvilket sprog" in s.content]
    notices = [s for s in got if s.content == t("da", "common.stale_button")]
    assert len(questions) == 1 and not questions[0].ephemeral
    assert len(notices) == 1 and notices[0].ephemeral


async def test_an_old_keyboard_is_answered_as_stale(sqlite_app, fake, bot):
    anna = fake.user("anna")
    first = (await fake.slash(anna, "start"))[-1]
    await fake.slash(anna, "start")  # a new consent prompt: the first one's token is spent
    got = await fake.press(anna, first, "Ja, jeg giver")
    assert [s.content for s in got] == [t("da", "common.stale_button")] and got[0].ephemeral
    assert first.active == [] and count(sqlite_app, Consent) == 0


async def test_buttons_work_after_a_restart(sqlite_app, fake, bot):
    anna = fake.user("anna")
    prompt = (await fake.slash(anna, "start"))[-1]
    await bot.close()
    # A new process: nothing in memory about the message, only the dynamic item's template.
    again = await fake.connect(SamtaleClient(sqlite_app))
    try:
        got = await fake.press(anna, prompt, "Ja, jeg giver")
        assert "Hvilket sprog" in got[-1].content and prompt.active == []
        assert count(sqlite_app, Consent) == 1
    finally:
        await again.close()


async def test_a_redelivered_message_is_processed_once(sqlite_app, fake, bot):
    anna = fake.user("anna")
    await onboard(fake, anna)
    mid = fake.next_id()
    first = await fake._message(anna, fake.dm_channel(anna), "Jeg går tit alene ture.", message_id=mid)
    again = await fake.redeliver(anna, "Jeg går tit alene ture.", mid)
    assert len(first) == 1 and again == [] and count(sqlite_app, Reflection) == 1
    # The same for an interaction delivered twice: the second "thinking…" is removed, nothing else sent.
    iid = fake.next_id()
    assert await fake.slash(anna, "help", interaction_id=iid)
    assert await fake.slash(anna, "help", interaction_id=iid) == []
    assert fake.deleted_originals == [str(iid)]


# -- servers ------------------------------------------------------------------------------------------

async def test_a_message_in_a_server_is_not_collected_and_points_to_a_dm(sqlite_app, fake, monkeypatch):
    guild = fake.guild()
    channel = int(guild["channels"][0]["id"])
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        cleo = fake.user("cleo")
        # Not addressed to the bot: ignored (and without the message content intent, unreadable anyway).
        assert await fake.say_in(cleo, channel, "hyggelig aften i går", mention=False) == []
        got = await fake.say_in(cleo, channel, "jeg føler mig så ensom")
        [pointer] = got
        assert pointer.channel_id == channel and not pointer.ephemeral
        assert pointer.content == t("da", "common.group_only_private")
        assert pointer.payload["message_reference"]  # a reply to her message
        assert pointer.labels == ["Skriv med mig privat"]
        assert count(sqlite_app, Reflection) == 0 and count(sqlite_app, Participant) == 0

        # Pressing it starts the conversation in her DM; in the channel only she sees the confirmation.
        got = await fake.press(cleo, pointer, "Skriv med mig privat")
        confirmation = [s for s in got if s.channel_id == channel]
        assert [s.content for s in confirmation] == ["Jeg har skrevet til dig i en privat besked."]
        assert confirmation[0].ephemeral
        assert "Ja, jeg giver samtykke" in last_with_buttons(fake.dms(cleo)).labels
        assert pointer.active == ["Skriv med mig privat"]  # others may press it too, for themselves
    finally:
        await client.close()


async def test_a_private_slash_command_in_a_server_is_ephemeral_and_offers_a_dm(sqlite_app, fake):
    guild = fake.guild()
    channel = int(guild["channels"][0]["id"])
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        dora = fake.user("dora")
        await onboard(fake, dora)
        await fake.dm(dora, "Jeg bor alene og savner naboer at hilse på.")
        got = await fake.slash(dora, "mydata", channel_id=channel)
        assert fake.callbacks[-1]["type"] == 5 and fake.callbacks[-1]["data"]["flags"] == 64
        [pointer] = got
        assert pointer.ephemeral and pointer.content == t("da", "common.group_only_private")
        assert pointer.labels == ["Skriv med mig privat"]
        assert not any("savner naboer" in s.content for s in fake.in_channel(channel))

        got = await fake.press(dora, pointer, "Skriv med mig privat")
        in_dm = [s for s in got if s.channel_id == fake.dm_channel(dora)]
        assert "savner naboer" in in_dm[0].content and in_dm[-1].files
        # Public commands answer in the server, still only for her eyes.
        got = await fake.slash(dora, "help", channel_id=channel)
        assert got and all(s.ephemeral for s in got)
    finally:
        await client.close()


async def test_a_person_who_blocks_dms_is_marked_unreachable(sqlite_app, fake):
    guild = fake.guild()
    channel = int(guild["channels"][0]["id"])
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        erik = fake.user("erik")
        await onboard(fake, erik)
        assert reachable(sqlite_app, erik) is True
        fake.blocks_dms.add(int(erik["id"]))  # he turns off DMs from server members
        pointer = (await fake.slash(erik, "mydata", channel_id=channel))[-1]
        got = await fake.press(erik, pointer, "Skriv med mig privat")
        assert [s.content for s in got] == [text("da", "discord.dm_blocked")]
        assert got[0].ephemeral
        assert reachable(sqlite_app, erik) is False
        # When he comes back to the bot in his DM, he can be reached again.
        fake.blocks_dms.discard(int(erik["id"]))
        await fake.dm(erik, "/start")
        assert reachable(sqlite_app, erik) is True
    finally:
        await client.close()


def test_mark_unreachable_without_a_contact_is_harmless(sqlite_app, clock):
    assert mark_unreachable(sqlite_app.sessions, "12345", clock()) is False


# -- the outbox's sender -----------------------------------------------------------------------------

async def test_sender_delivers_idempotently_and_reports_outcomes(sqlite_app, fake, bot):
    from bot.delivery.senders import Outcome, Sender
    from handlers.core.types import Reply, buttons
    from tests.support.fakes.discord_api import FakeResponse

    sender = bot.sender()
    assert isinstance(sender, Sender) and sender.platform == "discord"
    anna = fake.user("anna")
    chat = str(fake.dm_channel(anna))
    prompt = Reply("Hvem spiste du sidst aftensmad med?\n\n" + "Skriv gerne løs. " * 150,
                   buttons([("Svar", "cp:a:p1"), ("Ikke nu", "cp:x:p1")]))
    result = await sender.send(chat, prompt, key="prompt:p1:42")
    assert result.outcome is Outcome.SENT
    pieces = fake.in_channel(int(chat))
    assert len(pieces) == 3 and all(text_length(p.content) <= 2000 for p in pieces)
    assert pieces[0].content == "Hvem spiste du sidst aftensmad med?"  # its own paragraph, then words
    assert pieces[-1].labels == ["Svar", "Ikke nu"] and pieces[-1].button("Svar")["custom_id"] == "s:cp:a:p1"
    assert result.message_id == str(pieces[-1].id)
    nonces = [body["nonce"] for method, path, body in fake.requests if path == "/channels/{channel_id}/messages"]
    assert len(set(nonces)) == 3 and all(len(n) <= 25 for n in nonces)
    assert all(body["enforce_nonce"] for _, path, body in fake.requests if path == "/channels/{channel_id}/messages")

    short = Reply("Et spørgsmål")
    fake.fail_next.append(discord.RateLimited(42.0))
    assert (await sender.send(chat, short, key="k2")).retry_after == 42.0
    fake.fail_next.append(discord.DiscordServerError(FakeResponse(503, "Unavailable"), {"code": 0, "message": ""}))
    assert (await sender.send(chat, short, key="k2")).outcome is Outcome.TRANSIENT
    fake.fail_next.append(discord.HTTPException(FakeResponse(400, "Bad"), {"code": 50035, "message": "Invalid"}))
    assert (await sender.send(chat, short, key="k2")).outcome is Outcome.FAILED
    fake.blocks_dms.add(int(anna["id"]))
    assert (await sender.send(chat, short, key="k2")).outcome is Outcome.BLOCKED


# -- long texts, files --------------------------------------------------------------------------------

async def test_long_texts_are_split_under_discords_limit_at_paragraphs(sqlite_app, fake, bot):
    anna = fake.user("anna")
    await onboard(fake, anna)
    written = [f"Refleksion {i}: " + ("Vi spiser sammen i gården, og det hjælper. " * 40).strip() for i in range(4)]
    for text in written:
        await fake.dm(anna, text)
    got = await fake.slash(anna, "mydata")
    assert len(got) >= 3
    assert all(text_length(s.content) <= 2000 for s in got)
    shown = "\n".join(s.content for s in got)
    assert all(text in shown for text in written)  # each reflection whole: cut between paragraphs
    assert [bool(s.files) for s in got] == [False] * (len(got) - 1) + [True]


def test_split_text_prefers_paragraphs_then_lines_then_words():
    assert split_text("", 10) == [] and split_text("kort", 10) == ["kort"]
    assert split_text("aaaa\n\nbbbb\n\ncccc", 10) == ["aaaa\n\nbbbb", "cccc"]
    assert split_text("aaaa\nbbbb\ncccc", 10) == ["aaaa\nbbbb", "cccc"]
    assert split_text("aaa bbb ccc ddd", 8) == ["aaa bbb", "ccc ddd"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    # An emoji is 2 UTF-16 units and is never cut in half.
    assert split_text("😀" * 5, 4) == ["😀😀", "😀😀", "😀"]
    text = ("Et afsnit om fællesskab. " * 30 + "\n\n") * 10
    pieces = split_text(text, 2000)
    assert all(text_length(p) <= 2000 for p in pieces) and "".join(pieces).replace("\n", "") == \
        text.replace("\n", "")


# -- slash commands: names, descriptions, sync ----------------------------------------------------------

NAME = re.compile(r"^[-_\w]{1,32}$")


async def test_command_translations_da_and_en_synced_per_dev_guild(fake):
    settings = Settings.model_validate({"discord": {"dev_guilds": [111, 222]}, "discord_token": "x"})
    lines = await sync_commands(settings)
    assert [line.split(":")[0] for line in lines] == ["guild 111", "guild 222"]
    assert set(fake.commands) == {111, 222}
    synced = {c["name"]: c for c in fake.commands[111]}
    keys = {c.name: c.description_key for c in menu_commands(ROUTES)}
    assert set(synced) == set(keys)
    for name, command in synced.items():
        description = t("en", keys[name])
        assert command["description"] == description[:100]
        assert command["description_localizations"]["da"] == t("da", keys[name])[:100]
        assert command["description_localizations"]["en-GB"] == description[:100]
        for localized in command["name_localizations"].values():
            assert NAME.match(localized) and localized == localized.lower()
        # Discord documents these for global commands only (issue 25).
        assert not {"contexts", "integration_types", "dm_permission"} & set(command)
    assert synced["help"]["name_localizations"]["da"] == "hjælp"
    assert synced["mydata"]["name_localizations"]["da"] == "mine-data"
    assert synced["mydata"]["name_localizations"]["en-US"] == "mydata"
    [payload] = synced["start"]["options"]
    assert payload["name"] == "payload" and payload["name_localizations"]["da"] == "kode"
    assert not payload["required"] and payload["max_length"] == 64
    assert "kampagnekode" in payload["description_localizations"]["da"]


async def test_global_sync_and_clickable_command_mentions(sqlite_app, fake):
    lines = await sync_commands(Settings.model_validate({"discord_token": "x"}))
    assert lines[0].startswith("global: ") and None in fake.commands
    assert all(c["contexts"] == [0, 1] and c["integration_types"] == [0] for c in fake.commands[None])
    ids = {c["name"]: c["id"] for c in fake.commands[None]}
    client = await fake.connect(SamtaleClient(sqlite_app))
    try:
        got = await fake.dm(fake.user("anna"), "/help")
        assert f"</forget:{ids['forget']}>" in got[0].content
    finally:
        await client.close()
    assert with_command_mentions("see /mydata, not https://x.dk/mydata or /mydatax", {"mydata": 7}) == \
        "see </mydata:7>, not https://x.dk/mydata or /mydatax"


async def test_run_discord_logs_in_serves_and_closes(sqlite_app, fake, monkeypatch):
    from bot.platforms.discord import run_discord

    seen: dict = {}

    async def connect(self, *, reconnect: bool = True) -> None:  # the gateway part, which needs a network
        seen.update(client=self, reconnect=reconnect, user=self.user.name,
                    dynamic=list(self._connection._view_store._dynamic_items.values()))

    monkeypatch.setattr(SamtaleClient, "connect", connect)
    await run_discord(sqlite_app)
    assert seen["reconnect"] is True and seen["user"] == "samtale"
    assert [item.__name__ for item in seen["dynamic"]] == ["SamtaleButton"]
    assert seen["client"].is_closed()


def test_the_slash_menu_is_complete_in_a_process_of_its_own():
    """`samtale discord sync` runs without the dispatcher: the adapter itself must load every command."""
    import subprocess
    import sys

    code = ("from bot.platforms.discord.client import SamtaleClient; from bot.config import Settings; "
            "print(len(SamtaleClient(None, settings=Settings()).tree.get_commands()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == len(menu_commands(ROUTES)) > 0


async def test_sync_needs_a_token():
    with pytest.raises(ValueError, match="SAMTALE_DISCORD_TOKEN"):
        await sync_commands(Settings())


def test_only_the_intents_samtale_needs():
    intents = gateway_intents()
    assert intents.dm_messages and intents.guild_messages and intents.guilds
    assert not intents.message_content and not intents.members and not intents.presences
    assert not intents.guild_reactions and not intents.typing


# -- the same paths through dpytest ---------------------------------------------------------------------

@pytest.fixture
async def dpy(sqlite_app, tmp_path, monkeypatch):
    import discord.ext.test as dpytest

    monkeypatch.chdir(tmp_path)  # dpytest writes sent attachments to the working directory
    client = SamtaleClient(sqlite_app)
    # dpytest builds its guild members through the member cache, which Samtale itself leaves off (and
    # needs no members intent for); turned on here only so dpytest can make its world.
    with_members = discord.Intents(client.intents.value | discord.Intents(members=True).value)
    client._connection._intents = with_members
    client._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(with_members)
    await client._async_setup_hook()
    dpytest.configure(client, members=["greta"])
    yield dpytest
    await dpytest.empty_queue()
    client.ws = None  # dpytest's stand-in gateway has no socket to close
    await client.close()


async def test_dpytest_dm_and_server_mention(sqlite_app, dpy):
    config = dpy.get_config()
    greta, channel = config.members[0], config.channels[0]
    dm = await greta.create_dm()
    await dpy.message("Hej", channel=dm, member=greta)
    assert "Skriv /start" in dpy.get_message().content
    await dpy.message("/start", channel=dm, member=greta)
    assert "chatbot, ikke et menneske" in dpy.get_message().content
    bot_user = config.client.user
    await dpy.message(f"<@{bot_user.id}> jeg har ingen at tale med", channel=channel, member=greta)
    reply = dpy.get_message()
    # dpytest's guild speaks en-US, and the pointer follows the server's language.
    assert reply.channel.id == channel.id and reply.content == t("en", "common.group_only_private")
    assert count(sqlite_app, Reflection) == 0
    await dpy.message("en almindelig besked", channel=channel, member=greta)
    assert dpy.sent_queue.empty()
