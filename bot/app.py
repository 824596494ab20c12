"""Wiring: settings → database → the features' registry and the services → dispatcher, shared by every
platform in one process. Two Apps in one process share nothing."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.facilitator_reports import chat_reports
from bot.ops.metrics import OpsMetrics
from handlers import erasure, facilitator, info, mydata, onboarding, reflections, settings as settings_feature, summaries
from handlers import action_plan, campaigns, checkins, dashboard, directory, local_results, statements
from handlers.core.context import HandlerConfig, Registry
from handlers.core.dispatch import Dispatcher
from handlers.core.flood import Limits
from handlers.core.observe import NO_COUNTERS
from handlers.core.services import ConversationRules, ResultsRules, Services
from handlers.events.config import EventsConfig
from handlers.events.feature import FEATURE as EVENTS
from storage.checkin_queries import CheckinRules
from storage.clock import Clock, system_clock
from storage.db import make_engine, make_sessionmaker, normalise_url, scrub_sqlite_journal
from storage.migrate import ensure_migrated

log = logging.getLogger(__name__)

# Every feature the core has, in the order their commands appear in the platforms' menus.
FEATURES = (erasure.FEATURE, info.FEATURE, mydata.FEATURE, onboarding.FEATURE, reflections.FEATURE,
            settings_feature.FEATURE, campaigns.FEATURE, EVENTS, facilitator.FEATURE, summaries.FEATURE,
            checkins.FEATURE, action_plan.FEATURE, local_results.FEATURE, dashboard.FEATURE,
            statements.FEATURE, directory.FEATURE)


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    dispatcher: Dispatcher
    # The one clock of this program: the dispatcher, scheduler, outbox, jobs and CLI commands all read it.
    clock: Clock = system_clock


def handler_config(settings: Settings) -> HandlerConfig:
    return HandlerConfig(
        consent_version=settings.privacy.consent_version,
        max_reflection_chars=settings.privacy.max_reflection_chars,
        controller_name=settings.privacy.controller_name,
        controller_contact=settings.privacy.controller_contact,
        retention_days=settings.privacy.retention_days,
        default_language=settings.default_language,
        facilitators=frozenset(settings.roles.facilitators),
        download_dir=settings.console.download_dir,
        crisis_alert_chats=tuple(settings.safety.alert_chats),
    )


def results_rules(settings: Settings) -> ResultsRules:
    """When a prompt's results may go out (handlers.summaries.ready), from [insights] and [campaigns]."""
    return ResultsRules(k=settings.insights.k,
                        after_answers=max(settings.insights.k, settings.campaigns.results_after_answers),
                        answer_window=timedelta(hours=settings.campaigns.answer_window_hours))


def services(settings: Settings, clock: Clock = system_clock) -> Services:
    """What the features get from this program's settings (handed in on every Ctx)."""
    return Services(clock=clock, events=EventsConfig.from_settings(settings.events),
                    reports=chat_reports(settings.insights), campaign_folder=settings.campaigns.folder or None,
                    checkins=CheckinRules(**settings.checkins.model_dump()),
                    results=results_rules(settings),
                    dashboard_url=settings.web.public_url if settings.web.enabled else None,
                    conversation=ConversationRules(per_day=settings.conversation.statements_per_day,
                                                   where_after=settings.conversation.where_after_votes))


def build_app(settings: Settings, *, migrate: bool = True, clock: Clock = system_clock) -> App:
    """Open the database (migrating a fresh one, refusing an old one) and make the dispatcher."""
    url = normalise_url(settings.database.url)
    if not settings.privacy.controller_set:
        log.warning("privacy.controller_name and privacy.controller_contact are not set: the privacy notice "
                    "shows a placeholder where citizens look for who is responsible (see README)")
    engine = make_engine(url, synchronous=settings.database.synchronous)
    if migrate:
        log.info("database: %s", ensure_migrated(engine, url))
    sessions = make_sessionmaker(engine)
    limits = Limits(settings.limits.per_minute, settings.limits.per_day, settings.limits.group_per_minute)
    dispatcher = Dispatcher(sessions, handler_config(settings), routes=Registry.assemble(FEATURES),
                            services=services(settings, clock), secret_key=settings.secret_key,
                            on_erase=lambda: scrub_sqlite_journal(engine), limits=limits,
                            # Counted only when someone can scrape them ([ops] listen).
                            counters=OpsMetrics() if settings.ops.listen else NO_COUNTERS)
    return App(settings, engine, sessions, dispatcher, clock)
