"""Deliver what the outbox holds for console people into their consoles, as `samtale run --as NAME` would."""
from __future__ import annotations

from bot.app import App
from bot.delivery.pacing import PlatformLimits, RateLimiter
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from tests.support.outbox import FakeSender


async def deliver_console(app: App, *people) -> list[str]:
    """Drain the console outbox with the app's clock; each message is rendered in its person's console.
    Returns the texts delivered, in order."""
    sender = FakeSender(platform="console")
    settings = WorkerSettings(limits=PlatformLimits(1000, 0), poll_seconds=0.02,
                              quiet=QuietHours.parse("00:00", "00:00"))
    await Worker(app.sessions, sender, settings, rate_limiter=RateLimiter(1000), clock=app.clock).drain(timeout=10)
    by_chat = {p.name: p for p in people}
    texts = []
    for chat, intent, _ in sender.sent:
        texts.append(intent.text)
        if chat in by_chat:
            by_chat[chat].console.render(intent)
            by_chat[chat].out.seek(0, 2)
    return texts
