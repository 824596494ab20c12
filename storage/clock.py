"""The one wall clock: components are handed a `Clock`; this is the real one that `build_app` hands out."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

Clock = Callable[[], datetime]

# Model column defaults use system_clock too, as a fallback for rows written outside a clocked path
# (migrations, one-off fixes); code that decides by time passes its Clock's value explicitly.


def system_clock() -> datetime:
    """Now, in UTC. The only read of the wall clock; anything that decides by time takes a Clock instead."""
    return datetime.now(timezone.utc)
