"""Aggregate pages kept for a few minutes: over a million reflections the overview and themes take
seconds to compute (bench/dashboard.py), and their numbers change slowly. Quotes are never cached, so
hiding one shows at once; hiding or showing one in this process also empties the cache."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

TTL = timedelta(minutes=5)


class PageCache:
    def __init__(self, ttl: timedelta = TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[datetime, Any]] = {}

    def get(self, key: Hashable, now: datetime, build: Callable[[], Any]) -> tuple[datetime, Any]:
        """(when it was computed, the value): from the cache if younger than the TTL, else built now."""
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and now - hit[0] < self.ttl and hit[0] <= now:
            return hit
        value = build()  # outside the lock: two requests may both build, neither waits on the other
        with self._lock:
            self._entries[key] = (now, value)
        return now, value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
