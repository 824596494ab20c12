"""What the events feature needs from the program's settings, handed in once at start.

Handlers never read config files: bot/app.py builds `EventsConfig.from_settings(settings.events)` into
the Services every Ctx carries (`ctx.services.events`); jobs and tools are handed it the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class EventsConfig:
    # platform → municipality → channel ids (Telegram chat ids, Discord channel ids), for announcements.
    channels: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # The language of the count-only cards posted to public channels.
    channel_language: str = "da"
    # Reminders before the start, in hours (24 h and 2 h by default).
    reminder_hours: tuple[int, ...] = (24, 2)
    max_capacity: int = 5000
    invite_days: int = 30
    # Shown per page by /events.
    page_size: int = 5

    @classmethod
    def from_settings(cls, section: object | None) -> "EventsConfig":
        """From bot.config's EventsSettings (duck-typed: handlers never import bot)."""
        if section is None:
            return cls()
        channels: dict[str, dict[str, tuple[str, ...]]] = {}
        for platform in ("telegram", "discord"):
            mapping = getattr(section, f"{platform}_channels", {}) or {}
            channels[platform] = {mun: tuple(str(c) for c in ids) for mun, ids in mapping.items()}
        return cls(channels=channels, channel_language=getattr(section, "channel_language", "da"),
                   reminder_hours=tuple(getattr(section, "reminder_hours", (24, 2))),
                   max_capacity=getattr(section, "max_capacity", 5000),
                   invite_days=getattr(section, "invite_days", 30))

    def reminder_offsets(self) -> tuple[tuple[str, timedelta], ...]:
        return tuple((f"{h}h", timedelta(hours=h)) for h in sorted(set(self.reminder_hours), reverse=True))


# What a feature gets when nothing is configured (tests, tools); the program hands in its own.
DEFAULT = EventsConfig()
