"""What features need from the running program, as one typed value on every Ctx: built by bot/app.py
from the settings (handlers never read config files and never import bot/)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from handlers.events.config import EventsConfig
from storage.checkin_queries import CheckinRules
from storage.clock import Clock, system_clock


@dataclass(frozen=True)
class ChatFile:
    """An export as the bytes of a file a facilitator gets in chat."""

    filename: str | None
    content: bytes
    mime: str
    rows: int
    filters: dict = field(default_factory=dict)
    too_big: bool = False


class Reports(Protocol):
    """The numbers, digest and files behind /stats, /digest and /export; bot/ provides them, since
    they come from insights/ with the configured [insights] settings."""

    def stats(self, bind: Engine, now: datetime) -> dict: ...

    def digest_preview(self, bind: Engine, now: datetime, lang: str) -> tuple[dict, str]: ...

    def export(self, bind: Engine, kind: str, choice: str, fmt: str, now: datetime, *, max_rows: int,
               max_bytes: int) -> ChatFile: ...


@dataclass(frozen=True)
class ResultsRules:
    """When a prompt's results ("what others said") may go out: never from fewer than k people; once
    `after_answers` people answered, or when the answering window after its last sending has passed."""

    k: int = 5
    after_answers: int = 7
    answer_window: timedelta = timedelta(hours=72)


@dataclass(frozen=True)
class ConversationRules:
    """How the conversation's statements are offered (/stem): at most `per_day` a day, and "Hvor står
    jeg?" once a person has voted on `where_after`."""

    per_day: int = 20
    where_after: int = 7


@dataclass(frozen=True)
class Services:
    clock: Clock = system_clock
    events: EventsConfig = field(default_factory=EventsConfig)
    # None: the facilitator chat commands say the reports are not available in this program.
    reports: Reports | None = None
    # Campaigns come from content/campaigns unless [campaigns] folder names another.
    campaign_folder: str | None = None
    # When the loneliness check-in may be offered ([checkins] in the settings).
    checkins: CheckinRules = field(default_factory=CheckinRules)
    results: ResultsRules = field(default_factory=ResultsRules)
    conversation: ConversationRules = field(default_factory=ConversationRules)
    # The annual report's content (action_plan_<year>.toml); None: the shipped content/report.
    report_folder: str | None = None
    # The web dashboard's address ([web] public_url) when it is enabled; None: /dashboard says it is off.
    dashboard_url: str | None = None
