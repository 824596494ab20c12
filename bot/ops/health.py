"""Readiness: may a balancer send this process work? The database answers and is migrated to this
code's heads, a scheduler leader exists (this process or another), and the process is not stopping."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

from sqlalchemy import Engine

from bot.ops.leader_probe import leader
from storage.migrate import current_revisions, head_revisions, known_revisions

# A database that takes longer than this to answer `SELECT version_num` is as good as unreachable.
CHECK_TIMEOUT = 3.0


@dataclass(eq=False)
class Readiness:
    engine: Engine
    url: str
    _: KW_ONLY
    # None when this process runs no scheduler ([scheduler] enabled = false): then another must lead.
    leading: Callable[[], bool] | None = None
    draining: bool = False
    heads: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.heads:
            self.heads = head_revisions(self.url)  # from the code on disk: read once
            self.known = known_revisions(self.url)

    def _database(self) -> tuple[bool, str]:
        try:
            current = current_revisions(self.engine)
        except Exception as exc:  # noqa: BLE001 - any failure: not reachable; the type says which
            return False, f"unreachable ({type(exc).__name__})"
        if current - self.known:
            # Migrated by a newer release mid rolling upgrade: this process still works (migrations keep
            # the previous release working), and a 503 now would take every old process out at once.
            return True, f"ok (database at {', '.join(sorted(current - self.known))}, newer than this code)"
        if current != self.heads:
            return False, f"schema at {', '.join(sorted(current)) or 'none'}, needs {', '.join(sorted(self.heads))}"
        return True, "ok"

    def _leader(self) -> tuple[bool, str]:
        if self.leading is not None and self.leading():
            return True, "this process"
        try:
            seen = leader(self.engine)
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            return False, f"cannot tell ({type(exc).__name__})"
        if seen is None:
            return False, "no process leads the scheduler"
        return True, f"another process ({seen.get('process') or 'unnamed'})"

    def _checks(self) -> dict[str, tuple[bool, str]]:
        db = self._database()
        checks = {"database": db}
        if db[0]:
            checks["leader"] = self._leader()
        return checks

    async def check(self) -> tuple[bool, dict[str, str]]:
        """(ready, {check: what it found}); 'draining' first, so a stopping process answers at once."""
        if self.draining:
            return False, {"draining": "stopping after SIGTERM"}
        try:
            checks = await asyncio.wait_for(asyncio.to_thread(self._checks), CHECK_TIMEOUT)
        except TimeoutError:
            return False, {"database": f"no answer within {CHECK_TIMEOUT:g} s"}
        return all(ok for ok, _ in checks.values()), {name: why for name, (_, why) in checks.items()}
