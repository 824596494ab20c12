"""Samtale on Telegram: the real python-telegram-bot against the loopback fake Bot API, through real HTTP."""
from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.platforms.telegram import TelegramPlatform, TelegramStartError
from bot.platforms.telegram.runner import webhook_secret
from content.i18n import t
from storage.models import Contact, FlowState, Participant, Reflection
from bench.loopback.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import _timedelta_retry_after, fake, h, sleeps, tg, tg_lite  # noqa: F401 - fixtures
from tests.support.telegram import OTHER, TOKEN, USER, Chat, help_text, on_telegram, ptb_tasks, running

# Any warning (PTB deprecations, a leaked task, an unawaited coroutine) fails these tests.
pytestmark = pytest.mark.filterwarnings("error")

GROUP = -1001234567890


def count(app: App, model, *where) -> int:
    with app.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def participant(app: App, user_id: int = USER) -> Participant | None:
    with app.sessions() as session:
        p = session.scalars(select(Participant).where(Participant.platform == "telegram",
                                                      Participant.external_id == str(user_id))).one_or_none()
        if p is not None:
            session.expunge(p)
        return p


# -- the whole conversation, through real HTTP ---------------------------------------------------------

def sends(messages: list[SentMessage]) -> list[SentMessage]:
    return [m for m in messages if not m.edited]


async def test_onboarding_reflection_undo_mydata_forget(app, fake, tg, h) -> None:  # noqa: F811
    anna = Chat(h)
    [consent] = await anna.say("/start")
    assert "chatbot" in consent.text
    assert len(consent.callback_data) == 4 and all(len(d.encode()) <= 64 for d in consent.callback_data)

    edit, ask_language = await anna.press("Ja, jeg giver samtykke")
    assert (edit.method, edit.message_id, edit.reply_markup) == ("editMessageReplyMarkup", consent.message_id, None)
    assert ask_language.callback_data
    assert fake.answered_callbacks[-1].get("text") is None  # the spinner stops, no toast
    await anna.press("Dansk")
    await anna.press("30–49")
    close, ok, ask_quote = await anna.say("Aarhus")
    assert close.method == "editMessageReplyMarkup"  # typed, not pressed: the "skip" keyboard goes too
    assert "Aarhus" in ok.text and ask_quote.buttons
    await anna.press("Ja, anonymt")
    assert len(fake.answered_callbacks) == 4  # every press answered
    p = participant(app)
    assert p is not None and p.onboarded and p.consent_state == "given" and p.municipality == "Aarhus"

    [receipt] = await anna.say("Jeg savner nogen at gå tur med om søndagen.")
    assert receipt.text.startswith("Tak, fordi du deler det")
    assert count(app, Reflection) == 1

    edit, undone = await anna.press("Fortryd")
    assert edit.message_id == receipt.message_id and edit.reply_markup is None
    assert undone.text == t("da", "reflection.undone")
    assert count(app, Reflection) == 0

    await anna.say("Fællesspisning i kulturhuset har hjulpet mig meget.")
    summary, document = await anna.say("/mydata")
    assert summary.method == "sendMessage" and "Aarhus" in summary.text
    assert document.method == "sendDocument"
    [doc] = fake.documents(USER)
    assert doc.filename == "samtale-mydata.json" and doc.caption == t("da", "mydata.file_caption")
    data = json.loads(doc.data)
    assert data["participant"]["external_id"] == str(USER)
    assert data["contact"]["chat_id"] == str(USER)
    assert [r["text"] for r in data["reflections"]] == ["Fællesspisning i kulturhuset har hjulpet mig meget."]

    [confirm] = await anna.say("/forget")
    edit, done = await anna.press("Ja, slet alt")
    assert edit.message_id == confirm.message_id
    assert done.text == t("da", "forget.done", remains=t("da", "privacy.remains.telegram"))
    # The bot's messages that showed her data are gone from the chat too (issue 25).
    assert {summary.message_id, document.message_id} <= {m for _, m in fake.deleted}
    assert participant(app) is None
    assert count(app, Reflection) == 0 and count(app, Contact) == 0


async def test_a_press_is_answered_closes_its_keyboard_and_a_second_press_is_harmless(fake, tg_lite, h) -> None:  # noqa: F811
    anna = Chat(h)
    [consent] = await anna.say("/start")
    _, yes = anna.keyboard_with("Ja, jeg giver samtykke")
    await anna.press_data(yes, consent.message_id)
    assert len(fake.answered_callbacks) == 1

    # The same button again (a double tap, or the keyboard still shown on another device).
    again = await anna.press_data(yes, consent.message_id)
    assert again == []  # no new message, and the keyboard is already gone
    assert len(fake.answered_callbacks) == 2
    assert fake.answered_callbacks[-1]["text"] == t("da", "common.stale_button")  # a toast on the button
    p = participant(tg_lite.app)
    assert p is not None and p.consent_state == "given"
    with tg_lite.app.sessions() as session:
        assert len(session.get(Participant, p.id).consents) == 1  # the consent was recorded once
    # The core saw the press and asked to close the keyboard; Telegram said "not modified", harmlessly.
    assert [r.error_code for r in fake.rejected if r.method == "editMessageReplyMarkup"] == [400]


async def test_a_press_on_an_unknown_or_old_keyboard_reaches_the_core(fake, tg_lite, h) -> None:  # noqa: F811
    anna = Chat(h)
    await anna.say("/start")
    old = await tg_lite.bot.send_message(USER, "an old keyboard", reply_markup={
        "inline_keyboard": [[{"text": "old", "callback_data": "nosuchflow:abc"}]]})
    edits = await anna.press_data("nosuchflow:abc", old.message_id)
    assert [(m.method, m.message_id, m.reply_markup) for m in edits] == [
        ("editMessageReplyMarkup", old.message_id, None)]
    assert fake.answered_callbacks[-1]["text"] == t("da", "common.stale_button")


# -- delivery errors -----------------------------------------------------------------------------------

async def test_blocked_by_the_user_marks_the_contact_unreachable_and_stops_sending(app, fake, tg, h) -> None:  # noqa: F811
    anna = Chat(h)
    await anna.onboard()
    await anna.say("Det er svært at møde nye mennesker.")
    fake.block_chat(USER)
    assert await anna.say("/mydata") == []  # a text and a document: only the first is tried
    assert [(r.method, r.error_code) for r in fake.rejected] == [("sendMessage", 403)]
    assert USER in tg.adapter.unreachable
    with app.sessions() as session:
        contact = session.scalars(select(Contact)).one()
        assert contact.chat_id == str(USER) and contact.reachable is False
    # Others are served as before.
    [reply] = await Chat(h, OTHER, lang="en").say("/help")
    assert reply.text == help_text("en")


async def test_blocking_is_also_learnt_from_telegrams_membership_update(app, fake, tg, h) -> None:  # noqa: F811
    anna = Chat(h)
    await anna.onboard()
    h.push(fake.push_update, {"my_chat_member": {
        "chat": {"id": USER, "type": "private", "first_name": "Anna"},
        "from": {"id": USER, "is_bot": False, "first_name": "Anna"}, "date": 1,
        "old_chat_member": {"status": "member", "user": fake.bot_user},
        "new_chat_member": {"status": "kicked", "user": fake.bot_user, "until_date": 0}}})
    await h.settle()
    with app.sessions() as session:
        assert session.scalars(select(Contact)).one().reachable is False
    await anna.say("/start")  # they came back: the core makes the contact reachable again
    with app.sessions() as session:
        assert session.scalars(select(Contact)).one().reachable is True


async def test_a_429_is_waited_out_and_the_reply_still_arrives(fake, tg_lite, h, sleeps) -> None:  # noqa: F811
    fake.rate_limit(USER, retry_after=3)
    [reply] = await Chat(h).say("/help")
    assert reply.text == help_text("da")
    assert sleeps.waits == [3.0]
    assert [(r.method, r.error_code, r.retry_after) for r in fake.rejected] == [("sendMessage", 429, 3)]


async def test_network_errors_are_retried_with_backoff_then_given_up(fake, tg_lite, h, sleeps) -> None:  # noqa: F811
    fake.fail_next("sendMessage", 502, times=2)
    [reply] = await Chat(h).say("/help")
    assert reply.text == help_text("da")
    assert sleeps.waits == [0.5, 1.0]
    # Past the bounded attempts the reply is dropped (and logged); the bot keeps going.
    fake.fail_next("sendMessage", 502, times=4)
    assert await Chat(h).say("/privacy") == []
    assert sleeps.waits == [0.5, 1.0, 0.5, 1.0, 2.0]
    assert len(await Chat(h, OTHER).say("/help")) == 1


async def test_a_failing_update_does_not_stop_the_polling_loop(fake, tg_lite, h, monkeypatch, caplog) -> None:  # noqa: F811
    real = tg_lite.adapter.dispatcher.handle_kept
    calls = {"n": 0}

    async def flaky(incoming, keep, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return await real(incoming, keep, **kw)

    monkeypatch.setattr(tg_lite.adapter.dispatcher, "handle_kept", flaky)
    assert await Chat(h).say("Hemmelig tekst") == []
    assert len(await Chat(h, OTHER).say("/help")) == 1
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert errors and "RuntimeError" in errors[0].getMessage()
    assert all("Hemmelig" not in r.getMessage() for r in caplog.records)  # never what people wrote


# -- at most once --------------------------------------------------------------------------------------

async def test_a_duplicated_update_is_stored_once(app, fake, tg, h) -> None:  # noqa: F811
    anna = Chat(h)
    await anna.onboard()
    before = len(anna.sent)
    update = fake.user_message(USER, "Jeg går til kor hver tirsdag.", push=False)
    h.push(fake.push_update, {"message": update["message"]})
    h.push(fake.push_update, {"message": update["message"]})  # re-sent: a new update_id, the same message
    await h.settle()
    assert count(app, Reflection) == 1
    assert [m.text[:23] for m in anna.sent[before:]] == ["Tak, fordi du deler det"]


async def test_two_messages_from_one_person_are_answered_in_order(fake, tg_lite, h) -> None:  # noqa: F811
    for text in ("/help", "/privacy", "/help"):
        h.push(fake.user_message, USER, text)
    await h.settle()
    assert [m.text for m in fake.sent_messages(USER)] == [
        help_text("da"), t("da", "privacy.text", version="1", controller="NOT SET: privacy.controller_name",
                            contact="NOT SET: privacy.controller_contact", retention_days="365", pending_hours="24"),
        help_text("da")]


# -- groups ------------------------------------------------------------------------------------------------

async def test_in_a_group_nothing_is_collected_and_private_commands_get_a_deep_link(fake, tg_lite, h) -> None:  # noqa: F811
    group = Chat(h, chat_id=GROUP)
    await Chat(h).onboard()
    assert await group.say("Jeg er så ensom") == []  # with privacy mode off, plain text reaches us
    assert await group.say("/weather@other_bot") == []  # another bot's command
    assert await group.say("/dice") == []  # not ours and not addressed to us: maybe another bot's
    [reply] = await group.say(f"/mydata@{fake.bot_username}")
    assert reply.text == t("da", "common.group_only_private")
    [link] = [b for b in reply.buttons if "url" in b]
    assert link["url"] == f"https://t.me/{fake.bot_username}?start=group"
    assert reply.params["reply_parameters"]["message_id"] > 0  # threaded to the command it answers
    [plain] = await group.say("/forget")  # a plain /cmd of ours counts too (privacy mode delivers it)
    assert plain.text == t("da", "common.group_only_private")
    [help_] = await group.say("/help")  # works in groups, answered there
    assert help_.chat_id == GROUP and help_.text == help_text("da") and not help_.buttons
    [unknown] = await group.say(f"/nonsense@{fake.bot_username}")
    assert "/nonsense" in unknown.text
    assert count(tg_lite.app, Reflection) == 0


async def test_a_deep_link_reaches_start_as_its_payload_and_bad_payloads_are_dropped(fake, tg_lite, h) -> None:  # noqa: F811
    await Chat(h).say("/start kampagne_2026-uge48")
    await Chat(h, OTHER).say("/start " + "x" * 65)  # longer than Telegram allows: not from a real link
    await Chat(h, 6161).say("/start a$b")
    with tg_lite.app.sessions() as session:
        flows = {s.participant.external_id: s.data["payload"] for s in session.scalars(select(FlowState))}
    assert flows == {str(USER): "kampagne_2026-uge48", str(OTHER): "", "6161": ""}


async def test_the_platform_language_is_the_locale_hint(fake, tg_lite, h) -> None:  # noqa: F811
    [reply] = await Chat(h, lang="en-GB").say("/help")
    assert reply.text == help_text("en")
    [reply] = await Chat(h, OTHER, lang="da").say("/help")
    assert reply.text == help_text("da")


async def test_a_sticker_or_voice_note_is_answered_not_ignored(fake, tg_lite, h) -> None:  # noqa: F811
    h.push(fake.push_update, {"message": {
        "message_id": 900, "date": 1, "chat": {"id": USER, "type": "private", "first_name": "Anna"},
        "from": {"id": USER, "is_bot": False, "first_name": "Anna", "language_code": "da"},
        "sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
                    "is_animated": False, "is_video": False}}})
    await h.settle()
    assert len(fake.sent_messages(USER)) == 1


# -- rendering -------------------------------------------------------------------------------------------

async def test_a_6000_character_reply_is_split_at_boundaries(fake, tg_lite, h) -> None:  # noqa: F811
    anna = Chat(h)
    await anna.onboard()
    sentence = "Jeg savner at høre til et sted, hvor nogen opdager, hvis jeg ikke kommer. "
    for _ in range(2):
        await anna.say((sentence * 45).strip())  # ~3,300 characters each
    parts = await anna.say("/mydata")
    texts = [m for m in parts if m.method == "sendMessage"]
    assert [m.method for m in parts] == ["sendMessage", "sendMessage", "sendDocument"]
    assert sum(len(m.text) for m in texts) > 6000
    assert all(len(m.text) <= 4096 for m in texts)
    assert texts[1].text.startswith("#")  # cut at a line boundary: the second reflection starts a part


async def test_command_menus_in_danish_english_and_for_groups(fake, tg_lite) -> None:  # noqa: F811
    da = fake.commands_for(None, "da")
    en = fake.commands_for(None, "en")
    assert fake.commands_for(None, "") == da  # clients in other languages see the default (Danish)
    assert [c["command"] for c in da][:2] == ["start", "help"]
    assert {c["command"] for c in da} >= {"start", "help", "mydata", "forget", "privacy"}
    assert {c["command"]: c["description"] for c in en}["mydata"] == t("en", "commands.mydata")
    assert {c["command"]: c["description"] for c in da}["mydata"] == t("da", "commands.mydata")
    group = {c["command"] for c in fake.commands_for("all_group_chats", "en")}
    assert "help" in group and "mydata" not in group


async def test_menus_already_right_are_not_set_again(sqlite_app, fake, sleeps) -> None:  # noqa: F811
    async for _ in running(sqlite_app, fake, sleeps):
        pass
    first = len(fake.calls_to("setMyCommands"))
    async for _ in running(sqlite_app, fake, sleeps):
        pass
    assert first == 6 and len(fake.calls_to("setMyCommands")) == first


# -- running -----------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_checks_the_secret_on_every_request(sqlite_app, fake, sleeps) -> None:  # noqa: F811
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    app = replace(sqlite_app, settings=sqlite_app.settings.model_copy(update={"telegram_webhook_secret": "s3cret_x"}))
    async for _ in running(app, fake, sleeps, mode="webhook", webhook_url=url, listen="127.0.0.1", port=port):
        assert fake.webhook is not None
        assert fake.webhook["url"] == url and fake.webhook["secret_token"] == "s3cret_x"
        update = fake.user_message(USER, "/help", push=False)
        assert await fake.deliver_webhook(url, dict(update), secret_token=None) == 403
        assert await fake.deliver_webhook(url, dict(update), secret_token="wrong") == 403
        assert fake.sent_messages(USER) == []
        assert await fake.deliver_webhook(url, dict(update), secret_token="s3cret_x") == 200
        [reply] = await fake.wait_for_messages(USER, 1)
        assert reply.text == help_text("da")
    assert fake.webhook is not None  # left in place: other processes behind the balancer still serve it


def test_without_a_configured_secret_the_webhook_secret_comes_from_the_token() -> None:
    derived = webhook_secret(TOKEN, None)
    assert derived == webhook_secret(TOKEN, None) != webhook_secret(TOKEN + "x", None)
    assert len(derived) == 64 and derived.isalnum()
    assert webhook_secret(TOKEN, "mine") == "mine"


async def test_a_rejected_token_fails_at_start_with_a_clear_message(sqlite_app, sleeps) -> None:  # noqa: F811
    async with FakeTelegramAPI(token="999:other") as strict:
        platform = TelegramPlatform(on_telegram(sqlite_app, strict), sleep=sleeps, poll_timeout=1)
        with pytest.raises(TelegramStartError, match="token"):
            await platform.start()
        await platform.stop()
    assert ptb_tasks() == []


async def test_a_token_revoked_while_polling_ends_the_platform(sqlite_app, fake, sleeps) -> None:  # noqa: F811
    platform = TelegramPlatform(on_telegram(sqlite_app, fake), sleep=sleeps, poll_timeout=1)
    await platform.start()
    try:
        fake.token = "999:other"  # from now on every call is 401, as for a revoked token
        fake.user_message(USER, "/help")  # ends the pending long poll, so the next one sees the 401
        with pytest.raises(TelegramStartError, match="token"):
            await asyncio.wait_for(platform.wait(), 5)
    finally:
        await platform.stop()
    assert ptb_tasks() == []


async def test_run_telegram_stops_cleanly_when_cancelled(sqlite_app, fake) -> None:  # noqa: F811
    from bot.platforms.telegram import run_telegram

    task = asyncio.create_task(run_telegram(on_telegram(sqlite_app, fake)))
    fake.user_message(USER, "/help")  # queued until the bot polls
    await fake.wait_for_messages(USER, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ptb_tasks() == []


async def test_a_webhook_port_in_use_is_a_clear_start_error(sqlite_app, fake, sleeps) -> None:  # noqa: F811
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        platform = TelegramPlatform(on_telegram(sqlite_app, fake, mode="webhook", listen="127.0.0.1", port=port,
                                                webhook_url=f"http://127.0.0.1:{port}/hook"), sleep=sleeps)
        try:
            with pytest.raises(TelegramStartError, match=f"cannot listen on 127.0.0.1:{port}"):
                await platform.start()
        finally:
            await platform.stop()
    assert ptb_tasks() == []


async def test_after_a_crisis_reply_on_the_first_screen_no_form_and_no_keyboard_follow(app, fake, tg_lite, h) -> None:
    """Issue 26, item 1: the consent form never follows a crisis reply; later lines get one short line."""
    stranger = Chat(h)
    await stranger.say("/start")
    replies = sends(await stranger.say("jeg vil ikke leve mere"))
    assert len(replies) == 1 and "70 201 201" in replies[0].text and not replies[0].buttons
    replies = sends(await stranger.say("ingen ringer nogensinde"))
    assert len(replies) == 1 and "70 201 201" in replies[0].text and not replies[0].buttons
    assert "samtykke" not in replies[0].text.lower()
