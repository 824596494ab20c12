"""Sends the queued crisis alerts to the facilitators' chats through the platforms' outbox senders."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from babel.dates import format_time
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.quiet_hours import TZ
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


def alert_text(count: int, first_at: datetime, last_at: datetime, lang: str) -> str:
    """The message: how many crisis replies and when (Copenhagen time), and that nothing more is shown."""
    first, last = (format_time(as_utc(m).astimezone(TZ), "short", locale=lang) for m in (first_at, last_at))
    head = (t(lang, "crisis_alert.one", first=first) if count == 1
            else t(lang, "crisis_alert.many", count=count, first=first, last=last))
    return f"{head}\n{t(lang, 'crisis_alert.footer')}"


def _claim(sessions: sessionmaker[Session], platforms: list[str], now: datetime) -> list:
    """Take the due alerts for these platforms (a dead process's after its lease), as claimed.

    The claimed values are final: a crisis reply after the claim only bumps a PENDING alert, so it
    starts a new one instead of changing this one's count.
    """
    due = or_(CrisisAlert.status == PENDING, (CrisisAlert.status == SENDING) & (CrisisAlert.lease_until < now))
    with sessions.begin() as s:
        begin_write(s)
        ids = list(s.scalars(select(CrisisAlert.id).where(CrisisAlert.platform.in_(platforms), due)
                             .order_by(CrisisAlert.id).limit(50)))
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
                      *, language: str = "da") -> int:
    """Send every due alert once; returns how many went out. Failures are retried on later rounds."""
    sent = 0
    for alert_id, platform, chat, count, first_at, last_at in _claim(sessions, list(senders), now):
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
                     every: float, language: str = "da",
                     clock: Callable[[], datetime] = system_clock) -> None:
    """The background loop beside the outbox workers; a failed round is logged, never fatal."""
    while not stop.is_set():
        try:
            await send_alerts(sessions, senders, clock(), language=language)
        except Exception:  # noqa: BLE001 - the next round tries again; the bot keeps running
            log.exception("crisis alerts: a round failed; trying again shortly")
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except asyncio.TimeoutError:
            pass
