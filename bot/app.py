"""Wiring: settings → database → dispatcher, shared by every platform in one process."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from handlers.core.context import HandlerConfig
from handlers.core.dispatch import Dispatcher
from handlers.core.flood import Limits
from storage.clock import Clock, system_clock
from storage.db import make_engine, make_sessionmaker, normalise_url, scrub_sqlite_journal
from storage.migrate import ensure_migrated

log = logging.getLogger(__name__)


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
        default_language=settings.default_language,
        facilitators=frozenset(settings.roles.facilitators),
        download_dir=settings.console.download_dir,
        crisis_alert_chats=tuple(settings.safety.alert_chats),
    )


def build_app(settings: Settings, *, migrate: bool = True, clock: Clock = system_clock) -> App:
    """Open the database (migrating a fresh one, refusing an old one) and make the dispatcher."""
    url = normalise_url(settings.database.url)
    engine = make_engine(url, synchronous=settings.database.synchronous)
    if migrate:
        log.info("database: %s", ensure_migrated(engine, url))
    sessions = make_sessionmaker(engine)
    from handlers.events import EventsConfig, configure as configure_events

    configure_events(EventsConfig.from_settings(settings.events))
    from bot.facilitator_reports import install_chat_reports

    # The facilitator chat commands (/stats, /digest, /export) get their reports with [insights] k.
    install_chat_reports(settings)
    limits = Limits(settings.limits.per_minute, settings.limits.per_day, settings.limits.group_per_minute)
    dispatcher = Dispatcher(sessions, handler_config(settings), secret_key=settings.secret_key,
                            on_erase=lambda: scrub_sqlite_journal(engine), limits=limits, clock=clock)
    return App(settings, engine, sessions, dispatcher, clock)
