"""One worker per platform on SQLite: a lock file next to the database, and where that database is."""
from __future__ import annotations

import contextlib
import fcntl

from sqlalchemy.orm import Session, sessionmaker


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
