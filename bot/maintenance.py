"""Periodic housekeeping run by the leading scheduler: retention, the weekly digest, prompt summaries
(queued through the outbox to everyone who asked, in the language they asked in)."""
from __future__ import annotations

import logging
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy.orm import Session, sessionmaker

from bot.app import results_rules
from bot.knowledge_base.weekly import run_weekly_digest
from bot.scheduling.runtime import Runtime, scheduled
from handlers.core.services import ResultsRules
from handlers.summaries import queue_ready
from storage.db import scrub_sqlite_journal
from storage.loop_queries import waiting_requests
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


@scheduled
async def prompt_summaries_job(rt: Runtime) -> None:
    """People who asked get a k-anonymous summary of what others said about a prompt, once enough
    people answered it or its answering window has closed (handlers.summaries.ready)."""
    await rt.db(lambda: deliver_ready_summaries(rt.sessions, rt.clock(), results_rules(rt.settings)))


def deliver_ready_summaries(sessions: sessionmaker[Session], now: datetime, rules: ResultsRules) -> int:
    """Queue every summary that is ready for the people waiting for it; returns how many."""
    queued = 0
    with sessions() as session:
        for prompt_id in sorted({r.prompt_id for r in waiting_requests(session)}):
            count = len(queue_ready(session, prompt_id, now, rules))
            session.commit()
            if count:
                log.info("summaries: %d queued for prompt %s", count, prompt_id)
            queued += count
    return queued
