"""Campaign cadence by rule: which cadence times are due, what to do with a late one, and the tick that applies it."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.broadcast import BroadcastResult, broadcast_prompt
from bot.delivery.quiet_hours import QuietHours
from content.campaigns import TZ, Campaign, Prompt
from storage.campaign_models import CampaignSend, as_utc
from storage.db import begin_write

log = logging.getLogger(__name__)

# A late cadence time within this is simply "on time".
ON_TIME = timedelta(minutes=15)


def cadence_trigger(campaign: Campaign) -> CronTrigger:
    """The campaign's cadence as an APScheduler CronTrigger bounded by its date range (Copenhagen)."""
    minute, hour, day, month, day_of_week = campaign.cadence.split()
    start, end = campaign.window()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                       start_date=start, end_date=end, timezone=TZ)


def fire_times(campaign: Campaign, after: datetime | None, until: datetime, *, limit: int = 1000) -> list[datetime]:
    """Cadence times t with after < t <= until, in UTC, oldest first."""
    trigger = cadence_trigger(campaign)
    start, _ = campaign.window()
    moment = max(after + timedelta(microseconds=1), start) if after is not None else start
    out: list[datetime] = []
    while len(out) < limit:
        nxt = trigger.get_next_fire_time(None, moment)
        if nxt is None or nxt > until:
            break
        out.append(nxt.astimezone(timezone.utc))
        moment = nxt + timedelta(seconds=1)
    return out


def next_fire_time(campaign: Campaign, now: datetime) -> datetime | None:
    nxt = cadence_trigger(campaign).get_next_fire_time(None, now)
    return nxt.astimezone(timezone.utc) if nxt is not None else None


@dataclass(frozen=True)
class Decision:
    fire_time: datetime
    send_at: datetime | None  # None: skipped
    reason: str


def decide(campaign: Campaign, fire_time: datetime, now: datetime, quiet: QuietHours) -> Decision:
    """What to do with one due cadence time, however late we are: send now, send at the next time outside
    quiet hours, or skip — never spray a prompt at 03:00, never send one more than `max_delay_hours` late."""
    late = now - fire_time
    limit = timedelta(hours=campaign.max_delay_hours)
    hours = late.total_seconds() / 3600
    if late > limit:
        return Decision(fire_time, None, f"missed by {hours:.1f} h, more than max_delay_hours = {campaign.max_delay_hours}")
    if campaign.misfire == "skip" and late > ON_TIME:
        return Decision(fire_time, None, f"missed by {hours:.1f} h and misfire = \"skip\"")
    send_at = quiet.next_allowed(max(now, fire_time))
    if send_at - fire_time > limit:
        return Decision(fire_time, None, f"the next time outside quiet hours is more than "
                                         f"{campaign.max_delay_hours} h after {fire_time:%Y-%m-%d %H:%M} UTC")
    if send_at > max(now, fire_time):
        return Decision(fire_time, send_at, f"held until {send_at.astimezone(TZ):%H:%M} (quiet hours {quiet})")
    return Decision(fire_time, send_at, "on time" if late <= ON_TIME else f"{hours:.1f} h late, sent now")


def next_prompt(session: Session, campaign: Campaign) -> Prompt | None:
    """The first prompt of the campaign that has not gone out yet (a skipped time uses none)."""
    sent = set(session.scalars(select(CampaignSend.prompt_id).where(
        CampaignSend.campaign_id == campaign.id, CampaignSend.outcome.in_(("scheduled", "manual")))))
    return next((p for p in campaign.prompts if p.id not in sent), None)


@dataclass
class TickResult:
    campaign_id: str
    decisions: list[tuple[datetime, str, str]] = field(default_factory=list)  # (fire time, outcome, reason)
    broadcast: BroadcastResult | None = None


def campaign_tick(sessions: sessionmaker[Session], campaign: Campaign, *, now: datetime,
                  quiet: QuietHours, default_language: str = "da") -> TickResult:
    """Handle every cadence time of `campaign` that is due by `now` and not yet handled.

    One transaction with the fan-out; a cadence time is recorded once (unique), so a tick that runs
    twice — a restart, two leaders for a moment — adds nothing."""
    result = TickResult(campaign.id)
    try:
        with sessions.begin() as s:
            begin_write(s)
            last = as_utc(s.scalar(select(func.max(CampaignSend.fire_time))
                                   .where(CampaignSend.campaign_id == campaign.id)))
            _, end = campaign.window()
            due = fire_times(campaign, last, min(now, end))
            if not due:
                return result
            for old in due[:-1]:
                # Only the latest missed time can still be sent; older ones are recorded as skipped.
                s.add(CampaignSend(campaign_id=campaign.id, fire_time=old, decided_at=now, outcome="skipped",
                                   reason="a later cadence time was also missed"))
                result.decisions.append((old, "skipped", "a later cadence time was also missed"))
            decision = decide(campaign, due[-1], now, quiet)
            prompt = next_prompt(s, campaign) if decision.send_at is not None else None
            if decision.send_at is None or prompt is None:
                reason = decision.reason if decision.send_at is None else "every prompt has been sent"
                s.add(CampaignSend(campaign_id=campaign.id, fire_time=decision.fire_time, decided_at=now,
                                   outcome="skipped", reason=reason))
                result.decisions.append((decision.fire_time, "skipped", reason))
                log.warning("campaign %s: cadence time %s skipped: %s", campaign.id, decision.fire_time, reason)
                return result
            sent = broadcast_prompt(s, prompt, now=now, send_at=decision.send_at, default_language=default_language)
            s.add(CampaignSend(campaign_id=campaign.id, prompt_id=prompt.id, fire_time=decision.fire_time,
                               decided_at=now, send_at=decision.send_at, outcome="scheduled",
                               reason=decision.reason, recipients=sent.queued))
            result.decisions.append((decision.fire_time, "scheduled", decision.reason))
            result.broadcast = sent
            log.info("campaign %s: %s (%s)", campaign.id, sent, decision.reason)
    except IntegrityError:
        # Another leader (for a moment there may be two) handled this cadence time first.
        log.info("campaign %s: cadence time already handled elsewhere", campaign.id)
        return TickResult(campaign.id)
    return result


def send_now(sessions: sessionmaker[Session], prompt: Prompt, *, now: datetime, quiet: QuietHours,
             default_language: str = "da", reason: str = "send-now") -> BroadcastResult:
    """A facilitator's send-now: the same rules (quiet hours, one a day, dedupe), recorded as manual."""
    send_at = quiet.next_allowed(now)
    with sessions.begin() as s:
        begin_write(s)
        result = broadcast_prompt(s, prompt, now=now, send_at=send_at, default_language=default_language)
        s.add(CampaignSend(campaign_id=prompt.campaign_id, prompt_id=prompt.id, fire_time=None, decided_at=now,
                           send_at=send_at, outcome="manual", reason=reason[:200], recipients=result.queued))
    return result
