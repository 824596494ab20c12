"""What a scheduled job receives as its first argument: the running program's sessions, settings and clock."""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.quiet_hours import QuietHours
from content.campaigns import Campaign
from storage.clock import Clock, system_clock

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Runtime:
    """The scheduler's runtime: jobs are persisted by reference, so what they need is handed to each call."""

    sessions: sessionmaker[Session]
    campaigns: tuple[Campaign, ...]
    quiet: QuietHours
    default_language: str = "da"
    clock: Clock = system_clock
    settings: Any = None
    inline_db: bool = True

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking database work: inline on SQLite (writes stay in the loop's thread, beside the
        dispatcher's, instead of racing them), in a thread on PostgreSQL."""
        if self.inline_db:
            return fn(*args)
        return await asyncio.to_thread(fn, *args)


def scheduled(fn: F) -> F:
    """Mark `fn(rt, *args, **kwargs)` as a scheduler job; the scheduler's executor passes `rt`.

    APScheduler checks a job's stored arguments against its function when the job is added, and knows
    nothing of the runtime the executor adds: it is shown the signature without the first parameter.
    """
    sig = inspect.signature(fn)
    fn.__signature__ = sig.replace(parameters=tuple(sig.parameters.values())[1:])  # type: ignore[attr-defined]
    return fn
