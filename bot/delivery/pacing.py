"""How fast each platform may be sent to, and the one RateLimiter per platform per process."""
from __future__ import annotations

import asyncio
import time as _time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformLimits:
    """How fast one platform may be sent to: overall messages per second, and per chat."""

    rate: float = 30.0
    per_chat_interval: float = 1.0


# Telegram: about 30 messages/s overall, 1/s per chat. Discord: 50 requests/s globally, and a DM
# channel's bucket is 5 per 5 s; the adapter turns a 429's Retry-After into RETRY_AFTER.
DEFAULT_LIMITS = {
    "telegram": PlatformLimits(30.0, 1.0),
    "discord": PlatformLimits(25.0, 1.0),
    "console": PlatformLimits(50.0, 0.0),
}


class RateLimiter:
    """Paces sends to `rate` per second (evenly, with a small catch-up burst), pausable after a 429.

    One per platform per process. Adapters that answer people directly can call `interactive()` for
    each reply they send, which takes a slot at once and pushes bulk sends back: the person talking to
    the bot is never behind a broadcast.
    """

    def __init__(self, rate: float, *, burst: float = 0.2, clock: Callable[[], float] = _time.monotonic,
                 sleep: Callable[[float], object] = asyncio.sleep) -> None:
        self.rate = rate
        self.burst = burst  # seconds of lost time that may be caught up
        self.clock = clock
        self.sleep = sleep
        self._next = clock()

    def set_rate(self, rate: float) -> None:
        self.rate = max(0.01, rate)

    def _take(self) -> float:
        now = self.clock()
        self._next = max(self._next, now - self.burst)
        wait = max(0.0, self._next - now)
        self._next += 1.0 / self.rate
        return wait

    async def acquire(self) -> None:
        wait = self._take()
        if wait > 0:
            await self.sleep(wait)  # type: ignore[misc]

    def interactive(self) -> None:
        """An interactive message went out now: count it, so bulk leaves room for it."""
        self._take()

    def pause(self, seconds: float) -> None:
        """After a 429: nothing more until the platform's retry-after has passed."""
        self._next = max(self._next, self.clock() + seconds)


_LIMITERS: dict[str, RateLimiter] = {}


def limiter(platform: str, rate: float | None = None) -> RateLimiter:
    """The process-wide limiter of a platform, shared by its outbox worker and its adapter."""
    found = _LIMITERS.get(platform)
    if found is None:
        found = _LIMITERS[platform] = RateLimiter(rate or DEFAULT_LIMITS.get(platform, PlatformLimits()).rate)
    elif rate is not None:
        found.set_rate(rate)
    return found
