"""The one wall clock: components are handed a `Clock`; this is the real one that `build_app` hands out."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC. The only read of the wall clock; anything that decides by time takes a Clock instead."""
    return datetime.now(timezone.utc)
