"""A fake sender for the outbox, campaign and scheduler tests: records sends, scripts outcomes, enforces a rate."""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from bot.delivery.senders import SendResult
from handlers.core.types import Intent, Reply


@dataclass
class FakeSender:
    """Records every accepted send; scripted outcomes per chat; optional rate enforcement (429s)."""

    platform: str = "telegram"
    rate: float | None = None  # accepted sends per second before it answers 429
    latency: float = 0.0
    script: dict[str, list[SendResult]] = field(default_factory=dict)  # chat → outcomes to return first
    blocked: set[str] = field(default_factory=set)
    sent: list[tuple[str, Intent, str]] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    _tokens: float = 0.0
    _stamp: float = 0.0

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult:
        if self.latency:
            await asyncio.sleep(self.latency)
        queued = self.script.get(chat_id)
        if queued:
            result = queued.pop(0)
            if result.outcome.value != "sent":
                self.rejected[result.outcome.value] += 1
                return result
        if chat_id in self.blocked:
            self.rejected["blocked"] += 1
            return SendResult.blocked("Forbidden: bot was blocked by the user")
        if self.rate is not None:
            now = time.monotonic()
            if not self._stamp:
                self._stamp, self._tokens = now, self.rate
            self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens < 1:
                self.rejected["retry_after"] += 1
                return SendResult.retry(1)
            self._tokens -= 1
        self.sent.append((chat_id, intent, key))
        return SendResult.sent(len(self.sent))

    def texts(self, chat_id: str) -> list[str]:
        return [i.text for c, i, _ in self.sent if c == chat_id and isinstance(i, Reply)]

    def per_chat(self) -> Counter:
        return Counter(c for c, _, _ in self.sent)
