"""The loopback Telegram Bot API fake, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.loopback.telegram_api import DROPPED, FakeTelegramAPI

# Any warning (PTB's own included) or leaked task should fail these tests, not scroll by.
pytestmark = pytest.mark.filterwarnings("error")

TOKEN = "123456789:TEST-token_for_the_fake_api"
USER = 4242
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ja", callback_data="ja"),
            InlineKeyboardButton("Nej", callback_data="nej"),
        ]
    ]
)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("Velkommen", reply_markup=KEYBOARD)


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"pressed {query.data}")
    await query.edit_message_text(f"chose {query.data}")


def _build(fake: FakeTelegramAPI) -> Application:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_button))
    return app


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (PTBDeprecationWarning) while merely constructing RetryAfter unless
    # this opt-in is set; with it, retry_after is a timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def polling_app(fake: FakeTelegramAPI) -> AsyncIterator[Application]:
    app = _build(fake)
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    # Everything PTB started must be gone once the app is shut down.
    ptb_tasks = [
        t
        for t in asyncio.all_tasks()
        if not t.done() and t.get_name().startswith(("Updater", "Application"))
    ]
    assert ptb_tasks == []


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


async def test_pushed_message_is_echoed_through_polling(
    fake: FakeTelegramAPI, polling_app: Application
) -> None:
    fake.user_message(USER, "Hej med dig")

    sent = await fake.wait_for_messages(USER, 1)

    assert [(m.method, m.chat_id, m.text) for m in sent] == [("sendMessage", USER, "Hej med dig")]
    methods = [c.method for c in fake.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert polling_app.bot.username == fake.bot_username


async def test_command_with_bot_username_reaches_command_handler(
    fake: FakeTelegramAPI, polling_app: Application
) -> None:
    update = fake.group_message(USER, f"/start@{fake.bot_username} hej")
    chat_id = update["message"]["chat"]["id"]

    sent = await fake.wait_for_messages(chat_id, 1)

    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert sent[0].text == "Velkommen"
    assert sent[0].callback_data == ["ja", "nej"]


async def test_callback_press_is_answered_and_edits_the_message(
    fake: FakeTelegramAPI, polling_app: Application
) -> None:
    message = await polling_app.bot.send_message(USER, "Er du med?", reply_markup=KEYBOARD)

    fake.callback_press(USER, "ja", message_id=message.message_id)
    await fake.wait_for(lambda sent: any(m.method == "editMessageText" for m in sent))

    [answer] = fake.answered_callbacks
    assert answer["text"] == "pressed ja"
    edit = fake.sent_messages(USER)[-1]
    assert (edit.message_id, edit.text) == (message.message_id, "chose ja")
    # Editing text without reply_markup drops the keyboard, as Telegram does.
    assert edit.reply_markup is None


async def test_blocked_chat_raises_forbidden(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.block_chat(USER)

    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER, "Er du der?")

    assert fake.sent_messages(USER) == []
    assert [(r.method, r.error_code) for r in fake.rejected] == [("sendMessage", 403)]
    await bot.send_message(USER + 1, "Andre brugere får stadig svar")
    assert len(fake.sent_messages()) == 1


async def test_rate_limit_raises_retry_after_once(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.rate_limit(USER, retry_after=7)

    await bot.send_message(USER + 1, "another chat is not limited")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "too fast")
    await bot.send_message(USER, "second try")

    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert fake.rejected[0].retry_after == 7
    assert [m.text for m in fake.sent_messages(USER)] == ["second try"]


async def test_per_chat_faults_hit_only_their_chat(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_chat(USER, 500)
    fake.drop_chat(USER + 1)
    fake.rate_limit(USER + 2, retry_after=3, skip=1)

    await bot.send_message(USER + 3, "no fault here")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(USER, "500")
    with pytest.raises(NetworkError):
        await bot.send_message(USER + 1, "the connection is dropped")
    await bot.send_message(USER + 2, "let through")
    with pytest.raises(RetryAfter):
        await bot.send_message(USER + 2, "then limited")
    for chat in (USER, USER + 1, USER + 2):
        await bot.send_message(chat, "once only")

    assert [(r.params["chat_id"], r.error_code) for r in fake.rejected] == [
        (USER, 500), (USER + 1, DROPPED), (USER + 2, 429)]
    assert [m.text for m in fake.sent_messages(USER + 2)] == ["let through", "once only"]


async def test_token_bucket_limits_and_counts_sends() -> None:
    # Slow rates keep the test independent of machine speed: a refill takes 0.5-1 s.
    async with FakeTelegramAPI(max_per_second=2, per_chat_per_second=1) as limited:
        async with Bot(TOKEN, base_url=limited.base_url) as limited_bot:
            await limited_bot.send_message(1, "chat 1 #0")
            with pytest.raises(RetryAfter):
                await limited_bot.send_message(1, "chat 1 over its own limit")
            await limited_bot.send_message(2, "chat 2 #0")
            with pytest.raises(RetryAfter):
                await limited_bot.send_message(3, "over the global limit")

    assert limited.accepted_sends == 2
    assert sum(limited.throughput()) == 2
    assert [(r.params["chat_id"], r.retry_after) for r in limited.rejected] == [(1, 1), (3, 1)]


async def test_transient_failure_surfaces_as_network_error(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    fake.fail_next("sendMessage", status=502)

    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "first")
    await bot.send_message(USER, "second")

    assert [m.text for m in fake.sent_messages(USER)] == ["second"]
    assert [c.params["text"] for c in fake.calls if c.method == "sendMessage"] == [
        "first",
        "second",
    ]


async def test_set_my_commands_per_language_and_scope(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start samtalen")], language_code="da")
    await bot.set_my_commands([BotCommand("start", "Start the conversation")])
    await bot.set_my_commands(
        [BotCommand("glem", "Slet mine data")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="da",
    )
    await bot.set_chat_menu_button(menu_button=MenuButtonCommands())

    assert fake.commands == {
        "da": [{"command": "start", "description": "Start samtalen"}],
        "": [{"command": "start", "description": "Start the conversation"}],
    }
    assert fake.commands_for("all_private_chats", "da") == [
        {"command": "glem", "description": "Slet mine data"}
    ]
    fetched = await bot.get_my_commands(language_code="da")
    assert [c.command for c in fetched] == ["start"]
    assert fake.menu_buttons[None] == {"type": "commands"}
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "uppercase is refused")])


async def test_send_document_records_filename_and_bytes(fake: FakeTelegramAPI, bot: Bot) -> None:
    payload = '{"navn": "Søren"}'.encode()

    message = await bot.send_document(
        USER, payload, filename="mine-data.json", caption="Dine data"
    )

    [document] = fake.documents(USER)
    assert (document.filename, document.data, document.caption) == (
        "mine-data.json",
        payload,
        "Dine data",
    )
    assert fake.sent_messages(USER)[0].document is document
    assert message.document.file_name == "mine-data.json"
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload


async def test_long_poll_waits_for_update_and_honours_offset_and_limit(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, fake.user_message, USER, "late")
    # A long poll that did not wake for the new update would sit out its 30 s and fail the guard.
    [first] = await asyncio.wait_for(bot.get_updates(timeout=30, read_timeout=35), 10)

    for text in ("a", "b", "c"):
        fake.user_message(USER, text)
    batch = await bot.get_updates(offset=first.update_id + 1, limit=2)
    rest = await bot.get_updates(offset=batch[-1].update_id + 1, timeout=0)
    empty = await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0.2)

    assert first.message.text == "late"
    assert [u.message.text for u in batch] == ["a", "b"]
    assert [u.message.text for u in rest] == ["c"]
    assert empty == ()
    assert fake.pending_updates == 0


async def test_protocol_details_outside_ptb(fake: FakeTelegramAPI) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}{TOKEN}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        # JSON bodies and case-insensitive method names work as on Telegram.
        async with session.post(
            f"{fake.base_url}{TOKEN}/SENDMESSAGE", json={"chat_id": USER, "text": "123"}
        ) as response:
            body = await response.json()
    assert body["result"]["text"] == "123"
    assert body["result"]["from"]["id"] == 123456789
    assert fake.sent_messages(USER)[0].text == "123"


async def test_404_reaches_ptb_as_endpoint_not_found_or_invalid_token(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    with pytest.raises(EndPointNotFound, match="noSuchMethod"):
        await bot.do_api_request("noSuchMethod")
    # For its own methods PTB maps any 404 to InvalidToken (it would end polling for good).
    fake.fail_next("getChat", status=404)
    with pytest.raises(InvalidToken):
        await bot.get_chat(USER)


async def test_telegram_validation_errors(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(USER, "Tak for i dag.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match='tag "br"'):
        await bot.send_message(USER, "linje<br>linje", parse_mode="HTML")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(USER, "knap", reply_markup=too_long)
    message = await bot.send_message(USER, "<b>fed</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("<b>fed</b>", chat_id=USER, message_id=message.message_id)

    with pytest.raises(BadRequest, match="replied not found"):
        await bot.send_message(USER, "svar", reply_to_message_id=999)
    incoming = fake.user_message(USER, "spørgsmål")["message"]
    reply = await bot.send_message(USER, "svar", reply_to_message_id=incoming["message_id"])

    assert reply.reply_to_message.text == "spørgsmål"
    assert [m.text for m in fake.sent_messages()] == ["<b>fed</b>", "svar"]
    assert len(fake.rejected) == 5


async def test_wait_for_times_out_with_a_useful_message(fake: FakeTelegramAPI) -> None:
    with pytest.raises(TimeoutError, match="1 sent messages in chat 4242; 0 sends recorded"):
        await fake.wait_for_messages(USER, 1, timeout=0.05)


async def test_webhook_delivery_to_ptb_webhook_server(fake: FakeTelegramAPI) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram"
    app = _build(fake)
    async with app:
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            webhook_url=url,
            secret_token="hemmelig",
        )
        await app.start()
        try:
            assert fake.webhook is not None and fake.webhook["url"] == url
            update = fake.user_message(USER, "via webhook", push=False)
            refused = await fake.deliver_webhook(url, update, secret_token="forkert")
            accepted = await fake.deliver_webhook(url, update, secret_token="hemmelig")
            sent = await fake.wait_for_messages(USER, 1)
        finally:
            await app.updater.stop()
            await app.stop()

    assert (refused, accepted) == (403, 200)
    assert [m.text for m in sent] == ["via webhook"]
    assert update["update_id"] >= 1
