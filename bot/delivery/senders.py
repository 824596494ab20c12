"""The Sender protocol adapters implement, what a send reports back, and the console's own Sender.

The outbox decides *what* goes to whom and records every outcome; a Sender only knows how to put one
neutral intent in front of one chat on its platform and say what happened:

    class TelegramSender:                      # bot/platforms/telegram/sender.py
        platform = "telegram"
        async def send(self, chat_id: str, intent: Intent, *, key: str) -> SendResult: ...

`key` is the outbox row's dedupe key: a platform that supports idempotent sends (Discord's
`nonce` + `enforce_nonce`) should pass it on, which closes the at-least-once window entirely.
A Sender never sleeps on a 429 and never retries: it reports, and the outbox reschedules.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

from handlers.core.types import Button, Intent, Reply, Share


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


def payload_to_intent(payload: dict) -> Reply:
    """The Reply an outbox row carries (written by storage.outbox.reply_payload)."""
    rows = tuple(tuple(Button(label, action) for label, action in row) for row in payload.get("buttons") or ())
    share = payload.get("share")
    return Reply(payload["text"], rows, share=Share(**share) if share else None,
                 personal=bool(payload.get("personal")))


class ConsoleSender:
    """The console has one person at the keyboard: their prompts are printed in their session.

    A prompt for another console user stays queued until that person runs `samtale run --as NAME`
    (the console's worker only claims its own user's messages). With `render` (the Console's own
    renderer) the prompt's buttons become the numbered choices; without it they are listed and the
    person answers by writing.
    """

    platform = "console"

    def __init__(self, user: str, out=None, render: Callable[[Intent], None] | None = None) -> None:
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
