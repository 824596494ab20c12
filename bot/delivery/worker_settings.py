"""How a delivery worker leases, paces and retries (filled from [outbox] and [campaigns] by the scheduler)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.delivery.pacing import PlatformLimits
from bot.delivery.quiet_hours import QuietHours


@dataclass
class WorkerSettings:
    limits: PlatformLimits = field(default_factory=PlatformLimits)
    lease_seconds: float = 60.0
    max_attempts: int = 5
    batch: int = 100
    concurrency: int = 8
    poll_seconds: float = 1.0
    send_timeout: float = 20.0
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0
    heartbeat_seconds: float = 5.0
    quiet: QuietHours = field(default_factory=QuietHours)
    answer_window: timedelta = timedelta(days=3)
