"""Platform-neutral delivery: the Sender protocol adapters implement, results, pacing and quiet hours.

The outbox (bot/outbox.py) decides *what* goes to whom and records every outcome; a Sender only
knows how to put one neutral intent in front of one chat on its platform and say what happened:

    class TelegramSender:                      # bot/platforms/telegram/sender.py
        platform = "telegram"
        async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult: ...

`key` is the outbox row's dedupe key: a platform that supports idempotent sends (Discord's
`nonce` + `enforce_nonce`) should pass it on, which closes the at-least-once window entirely.
A Sender never sleeps on a 429 and never retries: it reports, and the outbox reschedules.
"""
from __future__ import annotations

import asyncio
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from handlers.core.types import Button, Intent, Reply, Share
from storage.outbox import reply_payload

TZ = ZoneInfo("Europe/Copenhagen")


class Outcome(str, Enum):
    SENT = "sent"                # the platform accepted it
    RETRY_AFTER = "retry_after"  # rate limited: try again after `retry_after` seconds (429)
    BLOCKED = "blocked"          # the person blocked the bot / left: never try this chat again (403)
    TRANSIENT = "transient"      # network trouble or a 5xx: back off and retry, a bounded number of times
    FAILED = "failed"            # the request itself is wrong (400): retrying will not help


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_after: float = 0.0
    message_id: str | None = None
    reason: str = ""

    @classmethod
    def sent(cls, message_id: object = None) -> SendResult:
        return cls(Outcome.SENT, message_id=None if message_id is None else str(message_id))

    @classmethod
    def retry(cls, seconds: float, reason: str = "rate limited") -> SendResult:
        return cls(Outcome.RETRY_AFTER, retry_after=max(0.0, float(seconds)), reason=reason)

    @classmethod
    def blocked(cls, reason: str = "blocked") -> SendResult:
        return cls(Outcome.BLOCKED, reason=reason)

    @classmethod
    def transient(cls, reason: str) -> SendResult:
        return cls(Outcome.TRANSIENT, reason=reason)

    @classmethod
    def failed(cls, reason: str) -> SendResult:
        return cls(Outcome.FAILED, reason=reason)


@runtime_checkable
class Sender(Protocol):
    """What a platform adapter implements so the outbox can deliver through it."""

    platform: str

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult: ...


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


# ------------------------------------------------------------------------------------ payloads

def intent_to_payload(intent: Intent) -> dict:
    """A Reply as JSON for the outbox row (the only intent sent in bulk), in storage.outbox's shape."""
    if not isinstance(intent, Reply):
        raise TypeError(f"the outbox sends replies, not {type(intent).__name__}")
    return reply_payload(intent)


def payload_to_intent(payload: dict) -> Reply:
    rows = tuple(tuple(Button(label, action) for label, action in row) for row in payload.get("buttons") or ())
    share = payload.get("share")
    return Reply(payload["text"], rows, share=Share(**share) if share else None)


# ------------------------------------------------------------------------------------ quiet hours

def _parse_hhmm(value: str | time) -> time:
    if isinstance(value, time):
        return value
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class QuietHours:
    """A nightly span (Copenhagen time) in which no prompt is delivered; start == end means none."""

    start: time = time(21, 0)
    end: time = time(9, 0)

    @classmethod
    def parse(cls, start: str | time, end: str | time) -> QuietHours:
        return cls(_parse_hhmm(start), _parse_hhmm(end))

    def contains(self, moment: datetime) -> bool:
        if self.start == self.end:
            return False
        local = moment.astimezone(TZ).timetz().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself if it is outside quiet hours, else the end of this quiet span (UTC)."""
        if not self.contains(moment):
            return moment.astimezone(timezone.utc)
        local = moment.astimezone(TZ)
        day: date = local.date()
        if self.start > self.end and local.time() >= self.start:
            day = day + timedelta(days=1)
        # Built as wall-clock time in Copenhagen, so 09:00 stays 09:00 across the DST change.
        return datetime.combine(day, self.end, TZ).astimezone(timezone.utc)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


# ------------------------------------------------------------------------------------ pacing

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


class ConsoleSender:
    """The console has one person at the keyboard: their prompts are printed in their session.

    A prompt for another console user stays queued until that person runs `samtale run --as NAME`
    (the console's worker only claims its own user's messages). With `render` (the Console's own
    renderer) the prompt's buttons become the numbered choices; without it they are listed and the
    person answers by writing.
    """

    platform = "console"

    def __init__(self, user: str, out=None, render: Callable[[Intent], None] | None = None) -> None:
        import sys

        self.user = user
        self.out = out or sys.stdout
        self.render = render

    async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult:
        if chat_id != self.user:
            return SendResult.retry(3600, "not this console's user")
        if self.render is not None:
            self.render(intent)
        elif isinstance(intent, Reply):
            print(f"\n{intent.text}", file=self.out)
            for row in intent.buttons:
                print("   " + "   ".join(f"· {b.label}" for b in row), file=self.out)
            print(file=self.out)
        self.out.flush()
        return SendResult.sent()
