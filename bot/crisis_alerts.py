"""Sends the queued crisis alerts to the facilitators' chats through the platforms' outbox senders."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from babel.dates import format_time
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.quiet_hours import TZ, QuietHours
from bot.delivery.senders import Outcome, Sender
from content.i18n import t
from handlers.core.types import Reply
from storage.campaign_models import as_utc
from storage.clock import system_clock
from storage.db import begin_write
from storage.safety_models import FAILED, PENDING, SENDING, SENT, CrisisAlert

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A process that claimed an alert and died: another may send it after this.
LEASE = timedelta(minutes=2)
HOUR = timedelta(hours=1)
ALWAYS = QuietHours(QuietHours().start, QuietHours().start)  # start == end: never off duty


def off_duty(on_call: str) -> QuietHours:
    """The span outside the on-call hours ("08:00-22:00" -> 22:00-08:00); empty: none."""
    if not on_call.strip():
        return ALWAYS
    start, _, end = on_call.strip().partition("-")
    return QuietHours.parse(end, start)


def _capped(s: Session, platforms: list[str], now: datetime, max_per_hour: int | None) -> set[tuple[str, str]]:
    """The chats that had `max_per_hour` alerts sent in the last hour: theirs wait and keep counting."""
    if max_per_hour is None:
        return set()
    rows = s.execute(select(CrisisAlert.platform, CrisisAlert.chat)
                     .where(CrisisAlert.platform.in_(platforms), CrisisAlert.status == SENT,
                            CrisisAlert.sent_at > now - HOUR)
                     .group_by(CrisisAlert.platform, CrisisAlert.chat)
                     .having(func.count() >= max_per_hour))
    return {(platform, chat) for platform, chat in rows}


def alert_text(count: int, first_at: datetime, last_at: datetime, lang: str) -> str:
    """The message: how many crisis replies and when (Copenhagen time), and that nothing more is shown."""
    first, last = (format_time(as_utc(m).astimezone(TZ), "short", locale=lang) for m in (first_at, last_at))
    head = (t(lang, "crisis_alert.one", first=first) if count == 1
            else t(lang, "crisis_alert.many", count=count, first=first, last=last))
    return f"{head}\n{t(lang, 'crisis_alert.footer')}"


def _claim(sessions: sessionmaker[Session], platforms: list[str], now: datetime,
           max_per_hour: int | None = None) -> list:
    """Take the due alerts for these platforms (a dead process's after its lease), as claimed.

    The claimed values are final: a crisis reply after the claim only bumps a PENDING alert, so it
    starts a new one instead of changing this one's count.
    """
    due = or_(CrisisAlert.status == PENDING, (CrisisAlert.status == SENDING) & (CrisisAlert.lease_until < now))
    with sessions.begin() as s:
        begin_write(s)
        capped = _capped(s, platforms, now, max_per_hour)
        ids = [row.id for row in s.execute(
            select(CrisisAlert.id, CrisisAlert.platform, CrisisAlert.chat)
            .where(CrisisAlert.platform.in_(platforms), due).order_by(CrisisAlert.id).limit(50))
            if (row.platform, row.chat) not in capped]
        if not ids:
            return []
        # Conditional on the status again, so of two processes racing for an alert only one takes it.
        rows = s.execute(
            update(CrisisAlert)
            .where(CrisisAlert.id.in_(ids), due)
            .values(status=SENDING, lease_until=now + LEASE, attempts=CrisisAlert.attempts + 1)
            .returning(CrisisAlert.id, CrisisAlert.platform, CrisisAlert.chat, CrisisAlert.count,
                       CrisisAlert.first_at, CrisisAlert.last_at)
            .execution_options(synchronize_session=False)).all()
        return sorted(rows, key=lambda r: r.id)


async def send_alerts(sessions: sessionmaker[Session], senders: Mapping[str, Sender], now: datetime,
                      *, language: str = "da", max_per_hour: int | None = None,
                      off_hours: QuietHours = ALWAYS) -> int:
    """Send every due alert once; returns how many went out. Failures are retried on later rounds.

    Outside the on-call hours nothing is sent: alerts stay queued and keep counting until the hours
    start. A chat that had `max_per_hour` alerts in the last hour gets nothing until the hour has
    passed; the crisis replies meanwhile are counted into its next alert.
    """
    if off_hours.contains(now):
        return 0
    sent = 0
    claimed = _claim(sessions, list(senders), now, max_per_hour)
    for alert_id, platform, chat, count, first_at, last_at in claimed:
        text = alert_text(count, first_at, last_at, language)
        try:
            result = await senders[platform].send(chat, Reply(text, private=False), key=f"crisis-alert:{alert_id}")
            outcome, reason = result.outcome, result.reason
        except Exception as exc:  # noqa: BLE001 - one bad chat must not stop the others
            outcome, reason = Outcome.TRANSIENT, f"{type(exc).__name__}: {exc}"
        with sessions.begin() as s:
            alert = s.get(CrisisAlert, alert_id)
            if outcome is Outcome.SENT:
                alert.status, alert.sent_at, alert.lease_until, alert.last_error = SENT, now, None, None
                sent += 1
                continue
            alert.last_error = reason[:200]
            gone = outcome in (Outcome.BLOCKED, Outcome.FAILED) or alert.attempts >= MAX_ATTEMPTS
            if gone:
                log.error("crisis alert to %s:%s cannot be delivered (%s); check [safety] alert_chats",
                          platform, chat, reason)
            alert.status, alert.lease_until = (FAILED if gone else PENDING), None
    return sent


async def run_alerts(sessions: sessionmaker[Session], senders: Mapping[str, Sender], stop: asyncio.Event, *,
                     every: float, language: str = "da", max_per_hour: int | None = None,
                     on_call: str = "", clock: Callable[[], datetime] = system_clock) -> None:
    """The background loop beside the outbox workers; a failed round is logged, never fatal."""
    off_hours = off_duty(on_call)
    while not stop.is_set():
        try:
            await send_alerts(sessions, senders, clock(), language=language, max_per_hour=max_per_hour,
                              off_hours=off_hours)
        except Exception:  # noqa: BLE001 - the next round tries again; the bot keeps running
            log.exception("crisis alerts: a round failed; trying again shortly")
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except asyncio.TimeoutError:
            pass
