"""A console town for end-to-end tests: several console people on one core, a fake clock, and the outbox
delivered to each person's own console (so they can press the buttons of what arrived), as `samtale run
--as NAME` shows it to the one at the keyboard."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.app import App
from bot.delivery.pacing import PlatformLimits, RateLimiter
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.senders import SendResult
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from handlers.core.types import Intent, Reply
from tests.support.app import Clock
from tests.support.people import Person


@dataclass
class TownSender:
    """Renders each outbox message in its recipient's console, and remembers it."""

    people: dict[str, Person]
    platform: str = "console"
    received: dict[str, list[str]] = field(default_factory=dict)

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult:
        person = self.people.get(chat_id)
        if person is None:
            return SendResult.blocked("nobody at that console")
        person.console.render(intent)
        if isinstance(intent, Reply):
            self.received.setdefault(chat_id, []).append(intent.text)
        return SendResult.sent(sum(map(len, self.received.values())))


class ConsoleTown:
    def __init__(self, app: App, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.people: dict[str, Person] = {}
        self.sender = TownSender(self.people)

    def person(self, name: str, lang: str = "da") -> Person:
        self.people[name] = Person(self.app, name, lang_hint=lang)
        return self.people[name]

    def received(self, name: str) -> list[str]:
        return self.sender.received.get(name, [])

    async def deliver(self) -> None:
        """Everything the outbox holds for the town, sent now (quiet hours off: the clock is fake)."""
        settings = WorkerSettings(limits=PlatformLimits(rate=1000, per_chat_interval=0), poll_seconds=0.02,
                                  lease_seconds=30, backoff_seconds=0.05, max_backoff_seconds=0.1,
                                  quiet=QuietHours.parse("00:00", "00:00"))
        worker = Worker(self.app.sessions, self.sender, settings, clock=self.clock, rate_limiter=RateLimiter(1000))
        await worker.drain(timeout=20)
