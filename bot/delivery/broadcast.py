"""A campaign prompt to every eligible subscriber, at most one prompt a day (a week, for "weekly")."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.delivery.quiet_hours import local_day
from content.campaigns import Prompt
from handlers.campaigns import prompt_intent
from storage.campaign_models import PRIORITY_BULK, PROMPT_KIND, PromptSubscription
from storage.campaign_queries import eligible_subscribers, had_prompt
from storage.db import begin_write
from storage.models import Participant
from storage.outbox import enqueue_selected


@dataclass
class BroadcastResult:
    ref: str
    send_at: datetime
    eligible: int          # subscribers this prompt is for (target groups, municipalities, reachable)
    queued: int            # new outbox rows
    already: int           # had this prompt already, or a prompt that day (or that week, for weekly)

    def __str__(self) -> str:
        return f"{self.ref}: {self.queued} queued, {self.already} skipped (already had a prompt)"


def broadcast_prompt(session: Session, prompt: Prompt, *, now: datetime, send_at: datetime,
                     default_language: str = "da") -> BroadcastResult:
    """Queue `prompt` for every eligible subscriber, at most one prompt a day (a week, for "weekly").

    One INSERT … SELECT … ON CONFLICT DO NOTHING per language, so 50,000 rows take one round trip each.
    The caller commits (with its record of the broadcast, atomically).
    """
    begin_write(session)
    day = local_day(send_at)
    today, week_start = day.isoformat(), (day - timedelta(days=6)).isoformat()
    base = eligible_subscribers(prompt.age_bands, prompt.municipalities)
    allowed = base.where(~had_prompt(today, today),
                         or_(PromptSubscription.frequency != "weekly", ~had_prompt(week_start, today)))
    eligible = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    lang = func.coalesce(Participant.language, default_language)
    groups: list[tuple[object, str]] = [(lang == code, code) for code in sorted(prompt.text)]
    groups.append((lang.not_in(sorted(prompt.text)), default_language))
    queued = sum(enqueue_selected(session, allowed.where(condition), kind=PROMPT_KIND, ref=prompt.ref,
                                  intent=prompt_intent(prompt, code), now=now, available_at=send_at,
                                  priority=PRIORITY_BULK, quiet=True, day=today)
                 for condition, code in groups)
    return BroadcastResult(prompt.ref, send_at.astimezone(timezone.utc), eligible, queued, eligible - queued)
