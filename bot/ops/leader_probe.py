"""Who leads the scheduler, seen from any process (a follower, or `samtale status`): on PostgreSQL the
holder of the advisory lock in pg_locks; on SQLite the holder of the lock file in /proc/locks (Linux)."""
from __future__ import annotations

import os
import socket

from sqlalchemy import Engine, text

from bot.delivery.locks import lock_path
from bot.scheduling.leader import LEADER_KEY, LEADER_APPLICATION_NAME

# pg_locks shows a bigint advisory key as two 32-bit halves (classid high, objid low; objsubid 1).
_HIGH, _LOW = (LEADER_KEY >> 32) & 0xFFFFFFFF, LEADER_KEY & 0xFFFFFFFF

_PG_LEADER = text("""
    SELECT a.application_name, a.client_addr, a.backend_start
    FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.classid::bigint = :high AND l.objid::bigint = :low AND l.database = (
          SELECT oid FROM pg_database WHERE datname = current_database())
""")


def leader(engine: Engine) -> dict | None:
    """{"process": "host:pid", ...} of the leader, {"process": None} when one holds the lock but cannot be
    named, or None when nobody leads."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            row = conn.execute(_PG_LEADER, {"high": _HIGH, "low": _LOW}).first()
        if row is None:
            return None
        name = row.application_name or ""
        process = name[len(LEADER_APPLICATION_NAME):].strip() if name.startswith(LEADER_APPLICATION_NAME) else None
        return {"process": process, "since": row.backend_start.isoformat() if row.backend_start else None}
    path = engine.url.database
    if not path or path == ":memory:":
        return None
    return _file_holder(lock_path(path, "scheduler"))


def _file_holder(path: str) -> dict | None:
    try:
        inode = os.stat(path).st_ino
    except OSError:
        return None  # no leader ever started beside this database
    try:
        with open("/proc/locks") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {"process": None}  # not Linux: we cannot tell, so we do not claim there is no leader
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF" (a "->" marks a waiter, not a holder)
        if len(parts) >= 6 and parts[1] == "FLOCK":
            dev_inode = parts[5].rsplit(":", 1)
            if len(dev_inode) == 2 and dev_inode[1] == str(inode):
                return {"process": f"{socket.gethostname()[:24]}:{parts[4]}", "since": None}
    return None
