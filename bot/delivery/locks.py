"""Locks for SQLite: its write lock taken up front (BEGIN IMMEDIATE), and one worker per platform (a file)."""
from __future__ import annotations

import contextlib
import fcntl

from sqlalchemy.orm import Session, sessionmaker


def begin_write(session: Session) -> None:
    """On SQLite, hold the write lock from the start (BEGIN IMMEDIATE), before anything is read.

    A transaction that reads and then writes fails at once with "database is locked" when another
    connection wrote in between (a WAL snapshot cannot be upgraded); holding the lock first, it waits its
    turn under the busy timeout instead. Call it first in a transaction; later calls do nothing.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    conn = session.connection()
    if session.info.get("write_locked") == id(session.get_transaction()):
        return
    if conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        # storage.db opens every transaction with a plain BEGIN; this one has not read anything yet.
        conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    session.info["write_locked"] = id(session.get_transaction())


def sqlite_path(sessions: sessionmaker[Session]) -> str | None:
    """The database file behind `sessions` (":memory:" included); None when it is not SQLite."""
    engine = sessions.kw.get("bind")
    if engine is None or engine.dialect.name != "sqlite":
        return None
    return engine.url.database or None


class FileLock:
    """An exclusive lock on a file next to the SQLite database; the kernel drops it when we die."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fh = None

    def try_acquire(self) -> bool:
        if self._fh is not None:
            return True
        fh = open(self.path, "a+b")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def lock_path(db_path: str, name: str) -> str:
    return f"{db_path}.{name}.lock"
