"""The facilitators' crisis alert: a count and a time reach the configured chat; no text and no identity."""
from __future__ import annotations

import asyncio
import io
import re

import pytest
from sqlalchemy import select

from bot.config import ConfigError, Settings, load_settings
from bot.crisis_alerts import off_duty, send_alerts
from bot.delivery.senders import SendResult
from bot.platforms.telegram.sender import TelegramSender
from bot.scheduling.background import start_background
from storage.safety_models import FAILED, PENDING, SENT, CrisisAlert
from tests.support.app import truncate_pg, make_app
from tests.support.people import Person
from bench.loopback.telegram_api import FakeTelegramAPI

TOKEN = "123456789:TEST-token_for_the_fake_api"
ALERT_CHAT = -1001234567890
CRISIS_DA = "jeg tænker på selvmord hver dag og har samlet piller"
CRISIS_EN = "I have saved up enough pills to end it tonight"


@pytest.fixture(params=["sqlite", "postgres"])
def alert_app(request, tmp_path, clock):
    """An app whose facilitators asked for crisis alerts in a Telegram group."""
    url = f"sqlite:///{tmp_path / 'samtale.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    app = make_app(url, tmp_path, clock, safety={"alert_chats": [f"telegram:{ALERT_CHAT}"]})
    if request.param == "postgres":
        truncate_pg(app)
    yield app
    app.engine.dispose()


class RecordingSender:
    """An outbox sender that answers as told and remembers what it was asked to send."""

    platform = "telegram"

    def __init__(self, *results: SendResult) -> None:
        self.results = list(results)
        self.sent: list[tuple[str, str]] = []

    async def send(self, chat_id, intent, *, key):  # noqa: ANN001
        self.sent.append((chat_id, intent.text))
        return self.results.pop(0) if self.results else SendResult.sent(1)


def _alerts(app) -> list[CrisisAlert]:
    with app.sessions() as s:
        return list(s.scalars(select(CrisisAlert).order_by(CrisisAlert.id)))


def test_alert_chats_must_name_a_platform_and_a_chat():
    for bad in ("-1001234", "sms:123", "telegram:", "discord:" + "9" * 65):
        with pytest.raises(ValueError, match="platform:chat"):
            Settings.model_validate({"safety": {"alert_chats": [bad]}})
    assert Settings.model_validate({"safety": {"alert_chats": ["discord:42"]}}).safety.alert_chats == ["discord:42"]


async def test_no_alert_chats_no_alerts(app):
    anna = Person(app, "anna")
    await anna.onboard()
    assert "Livslinien" in await anna.say(CRISIS_DA)
    assert _alerts(app) == []


async def test_crisis_replies_reach_the_facilitators_as_a_count_without_text_or_identity(alert_app, clock):
    anna, bo = Person(alert_app, "anna"), Person(alert_app, "bo", "en")
    await anna.onboard()
    await bo.onboard(lang="en")
    assert "Livslinien" in await anna.say(CRISIS_DA)
    clock.advance(minutes=7)
    assert "Livslinien" in await bo.say(CRISIS_EN)
    await anna.say("Jeg savner min nabo, vi plejede at drikke kaffe sammen")  # ordinary: no alert
    # One waiting alert counting both replies, not one ping per reply.
    [alert] = _alerts(alert_app)
    assert (alert.count, alert.status) == (2, PENDING)

    async with FakeTelegramAPI() as fake:
        sender = TelegramSender.from_settings(TOKEN, fake.base_url, fake.base_file_url)
        await sender.start()
        try:
            assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock()) == 1
            assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock()) == 0  # sent once
        finally:
            await sender.close()
        [message] = [m for m in fake.sent_messages() if m.method == "sendMessage"]

    assert message.chat_id == ALERT_CHAT
    text = message.text
    # 10:00 and 10:07 UTC are 11.00 and 11.07 in Copenhagen.
    assert "2 gange" in text and "11.00" in text and "11.07" in text, text
    for secret in ("piller", "pills", "anna", "bo", "Aarhus", "savner"):
        assert secret not in text.lower(), secret
    assert _alerts(alert_app)[0].status == SENT

    # The next crisis reply starts a new alert; the sent one is not reopened.
    clock.advance(hours=1)
    await anna.say("jeg vil ikke leve mere")
    assert [(a.count, a.status) for a in _alerts(alert_app)] == [(2, SENT), (1, PENDING)]


async def test_a_crisis_reply_before_consent_still_alerts(alert_app):
    stranger = Person(alert_app, "stranger")
    reply = await stranger.say(CRISIS_DA)
    assert "Livslinien" in reply
    assert [a.count for a in _alerts(alert_app)] == [1]


async def test_failed_alerts_are_retried_and_a_refused_chat_gives_up(alert_app, clock):
    anna = Person(alert_app, "anna")
    await anna.onboard()
    await anna.say(CRISIS_DA)
    sender = RecordingSender(SendResult.transient("timeout"), SendResult.sent(5))
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock()) == 0
    [alert] = _alerts(alert_app)
    assert (alert.status, alert.attempts, alert.last_error) == (PENDING, 1, "timeout")
    # Another crisis reply while it waits joins the same alert, which is then sent with both.
    await anna.say(CRISIS_DA)
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock()) == 1
    assert "2 gange" in sender.sent[-1][1] and sender.sent[-1][0] == str(ALERT_CHAT)

    await anna.say(CRISIS_DA)
    refused = RecordingSender(SendResult.blocked("bot was kicked from the group"))
    assert await send_alerts(alert_app.sessions, {"telegram": refused}, clock()) == 0
    assert _alerts(alert_app)[-1].status == FAILED
    assert await send_alerts(alert_app.sessions, {"telegram": refused}, clock()) == 0
    assert len(refused.sent) == 1  # not retried against a chat that refused


async def test_an_alert_claimed_by_a_process_that_died_is_sent_after_its_lease(alert_app, clock):
    anna = Person(alert_app, "anna")
    await anna.onboard()
    await anna.say(CRISIS_DA)

    class Dies(RecordingSender):
        async def send(self, chat_id, intent, *, key):  # noqa: ANN001
            raise asyncio.CancelledError  # the process is stopped mid-send

    with pytest.raises(asyncio.CancelledError):
        await send_alerts(alert_app.sessions, {"telegram": Dies()}, clock())
    later = RecordingSender()
    assert await send_alerts(alert_app.sessions, {"telegram": later}, clock()) == 0  # still leased
    clock.advance(minutes=3)
    assert await send_alerts(alert_app.sessions, {"telegram": later}, clock()) == 1
    assert len(later.sent) == 1


async def test_samtale_run_sends_alerts_to_a_facilitator_console(tmp_path, clock):
    # The console stands in for a facilitator's chat: the same services loop that serves Telegram
    # and Discord delivers the alert through the platform's outbox sender.
    app = make_app(f"sqlite:///{tmp_path / 'samtale.db'}", tmp_path, clock,
                   safety={"alert_chats": ["console:facilitator"], "alert_every_seconds": 1},
                   scheduler={"enabled": False})
    anna = Person(app, "anna")
    await anna.onboard()
    await anna.say(CRISIS_DA)
    out = io.StringIO()
    services = await start_background(app, ["console"], console_user="facilitator", console_out=out, clock=clock)
    try:
        for _ in range(100):
            if "krisesvar" in out.getvalue():
                break
            await asyncio.sleep(0.05)
    finally:
        await services.stop()
        app.engine.dispose()
    assert "krisesvar" in out.getvalue() and "én gang" in out.getvalue()
    assert "piller" not in out.getvalue()


async def test_outside_on_call_hours_alerts_wait_queued_and_counted_until_the_hours_start(alert_app, clock):
    # The clock starts at 10:00 UTC = 11:00 in Copenhagen: before on-call hours that start at noon.
    off_hours = off_duty("12:00-22:00")
    anna = Person(alert_app, "anna")
    await anna.onboard()
    await anna.say(CRISIS_DA)
    sender = RecordingSender()
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock(), off_hours=off_hours) == 0
    clock.advance(minutes=20)
    await anna.say(CRISIS_DA)
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock(), off_hours=off_hours) == 0
    assert sender.sent == [] and [(a.count, a.status) for a in _alerts(alert_app)] == [(2, PENDING)]
    clock.advance(minutes=40)  # 12:00 in Copenhagen
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock(), off_hours=off_hours) == 1
    assert "2 gange" in sender.sent[0][1] and "11.00" in sender.sent[0][1] and "11.20" in sender.sent[0][1]
    # After the hours end (22:00 Copenhagen = 21:00 UTC) the next one waits overnight, not dropped.
    clock.advance(hours=10, minutes=30)
    await anna.say(CRISIS_DA)
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock(), off_hours=off_hours) == 0
    assert _alerts(alert_app)[-1].status == PENDING
    clock.advance(hours=13, minutes=30)  # 12:00 the next day
    assert await send_alerts(alert_app.sessions, {"telegram": sender}, clock(), off_hours=off_hours) == 1
    assert off_duty("").contains(clock()) is False and off_duty("08:00-22:00").contains(clock()) is False


async def test_over_the_hourly_cap_the_next_alert_counts_the_replies_since(alert_app, clock):
    anna = Person(alert_app, "anna")
    await anna.onboard()
    sender = RecordingSender()

    async def send() -> int:
        return await send_alerts(alert_app.sessions, {"telegram": sender}, clock(), max_per_hour=2)

    for _ in range(2):
        await anna.say(CRISIS_DA)
        assert await send() == 1
        clock.advance(minutes=10)
    for _ in range(3):  # over the cap: no ping each, one waiting alert counting them
        await anna.say(CRISIS_DA)
        assert await send() == 0
        clock.advance(minutes=10)
    assert [(a.count, a.status) for a in _alerts(alert_app)] == [(1, SENT), (1, SENT), (3, PENDING)]
    clock.advance(minutes=9)  # 59 minutes after the first alert went out: still capped
    assert await send() == 0
    clock.advance(minutes=2)  # 61 minutes after it: one slot is free again
    assert await send() == 1
    assert "3 gange" in sender.sent[-1][1] and len(sender.sent) == 3


def test_the_cap_and_the_on_call_hours_are_checked_with_the_key_named(tmp_path):
    for line, key in (('alert_hours = "8-22"', "safety.alert_hours"),
                      ('alert_hours = "08:00-08:00"', "safety.alert_hours"),
                      ("alert_max_per_hour = 0", "safety.alert_max_per_hour")):
        path = tmp_path / "samtale.toml"
        path.write_text(f"[safety]\n{line}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(f"`{key}`")):
            load_settings(path, env={})
    path.write_text('[safety]\nalert_hours = "08:00-22:00"\nalert_max_per_hour = 3\n', encoding="utf-8")
    safety = load_settings(path, env={}).safety
    assert (safety.alert_hours, safety.alert_max_per_hour) == ("08:00-22:00", 3)
    assert Settings().safety.alert_hours == "" and Settings().safety.alert_max_per_hour == 6


async def test_crisis_words_in_a_group_are_counted_once_even_if_the_private_chat_is_never_opened(alert_app):
    from handlers.core.types import Incoming, ReplyKind

    group = dict(platform="telegram", chat_id="-1001234", user_id="42", chat_type="group")
    [offer] = await alert_app.dispatcher.handle(
        Incoming(**group, command="help", args=("jeg", "vil", "ikke", "leve", "mere")))
    assert offer.kind is ReplyKind.CRISIS_OFFER
    [alert] = _alerts(alert_app)
    assert (alert.status, alert.count) == (PENDING, 1)
    # Opening the offer's private chat gives the crisis reply there, and is not a second crisis.
    opened = await alert_app.dispatcher.handle(Incoming(platform="telegram", chat_id="42", user_id="42",
                                                        chat_type="private", command="start",
                                                        args=(offer.start_payload,)))
    assert opened[0].kind is ReplyKind.CRISIS
    [alert] = _alerts(alert_app)
    assert alert.count == 1
