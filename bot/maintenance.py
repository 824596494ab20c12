"""Periodic housekeeping run by the leading scheduler: retention, the weekly digest, prompt summaries
(queued through the outbox to everyone who asked, in the language they asked in)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.knowledge_base.weekly import run_weekly_digest
from bot.scheduling.runtime import Runtime, scheduled
from handlers.core.types import Reply
from insights.summaries import prompt_summary, summary_text
from storage.campaign_models import CampaignSend, as_utc
from storage.db import scrub_sqlite_journal
from storage.insight_models import SummaryRequest
from storage.models import Participant
from storage.outbox import enqueue
from storage.message_queries import forget_undeletable
from storage.retention import purge, purge_bookkeeping, purge_pending

log = logging.getLogger(__name__)


@scheduled
async def retention_job(rt: Runtime) -> None:
    """Delete reflection text past privacy.retention_days (themes and counts remain) and stale bookkeeping."""
    with rt.sessions() as session:
        done = purge(session, rt.clock(), rt.settings.privacy.retention_days)
        keys, alerts = purge_bookkeeping(session, rt.clock(), rt.settings.privacy.retention_days)
        pending = purge_pending(session, rt.clock())
        forget_undeletable(session, rt.clock())
        session.commit()
        engine = session.get_bind()
    if done or pending:
        scrub_sqlite_journal(engine)
    log.info("retention: deleted the text of %d reflection(s), %d old dedupe key(s), %d old crisis alert(s), "
             "%d participant(s) who never answered the consent question", done, keys, alerts, pending)


@scheduled
async def weekly_digest_job(rt: Runtime) -> None:
    """Last week's digest to every configured sink (a digest already delivered is skipped)."""
    await run_weekly_digest(SimpleNamespace(settings=rt.settings, sessions=rt.sessions), rt.clock())


def closed_prompts_with_requests(session, now: datetime, window: timedelta) -> list[str]:
    """Prompts someone asked a summary of, whose answering window has ended."""
    waiting = select(SummaryRequest.prompt_id).where(SummaryRequest.sent_at.is_(None)).distinct()
    last_sent = (select(CampaignSend.prompt_id, func.max(CampaignSend.send_at).label("sent"))
                 .where(CampaignSend.prompt_id.in_(waiting), CampaignSend.send_at.is_not(None))
                 .group_by(CampaignSend.prompt_id).subquery())
    rows = session.execute(select(last_sent.c.prompt_id, last_sent.c.sent)).all()
    return [pid for pid, sent in rows if sent is not None and as_utc(sent) + window <= now]


@scheduled
async def prompt_summaries_job(rt: Runtime) -> None:
    """After a prompt closes, people who asked get a k-anonymous summary of what others said."""
    now = rt.clock()
    window = timedelta(hours=rt.settings.campaigns.answer_window_hours)
    with rt.sessions() as session:
        prompts = closed_prompts_with_requests(session, now, window)
    for prompt_id in prompts:
        queued = deliver_prompt_summaries(rt.sessions, prompt_id, now, k=rt.settings.insights.k)
        log.info("summaries: %d queued for prompt %s", queued, prompt_id)


def deliver_prompt_summaries(sessions: sessionmaker[Session], prompt_id: str, now: datetime, *,
                             k: int = 5) -> int:
    """Queue the summary for everyone who asked (once each, via the outbox); returns how many."""
    queued = 0
    with sessions() as session:
        requests = session.scalars(select(SummaryRequest).where(
            SummaryRequest.prompt_id == prompt_id, SummaryRequest.sent_at.is_(None))).all()
        for req in requests:
            person = session.get(Participant, req.participant_id)
            if person is None or person.consent_state != "given":
                continue
            text = summary_text(prompt_summary(session, prompt_id, lang=req.language, k=k,
                                               exclude_participant=person.id), req.language)
            enqueue(session, kind="summary", ref=prompt_id, participant_id=person.id, platform=person.platform,
                    intent=Reply(text), now=now, quiet=True)
            req.sent_at = now
            queued += 1
        session.commit()
    return queued

