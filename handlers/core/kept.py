"""Durable replies, the dispatcher's side: what an adapter asks for, and what it gets back.

An adapter that may lose replies in a crash (Telegram) asks `Dispatcher.handle_kept(inc, Keep(...))`:
the intents are then stored (storage/reply_queries.py) in the same transaction as what they answer,
claimed by this process for `lease`, and the adapter forgets the row once it has sent them. A
redelivered message that was handled but whose reply was never sent gets that reply again, not silence.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from handlers.core.reply_codec import decode_intents, encode_intents
from handlers.core.types import Intent


@dataclass(frozen=True)
class Keep:
    """What the adapter needs to send the reply later, without the platform's object (JSON-safe values)."""

    render: dict[str, Any] = field(default_factory=dict)
    lease: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class Handled:
    """The intents, and the id of their stored row (None: nothing kept, nothing to forget)."""

    intents: list[Intent]
    reply_id: int | None = None
    # The render context of a reply kept earlier (a redelivery): the adapter uses it instead of its own.
    render: dict[str, Any] | None = None


def payload(intents: list[Intent], keep: Keep) -> dict[str, Any]:
    return {"intents": encode_intents(intents), "render": keep.render}


def unpack(data: dict[str, Any]) -> tuple[list[Intent], dict[str, Any]]:
    return decode_intents(data["intents"]), data.get("render") or {}
