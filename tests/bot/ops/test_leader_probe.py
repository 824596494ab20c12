"""`samtale status` and /readyz name the scheduler's leader from any process."""
from __future__ import annotations

import os
import socket

from sqlalchemy import create_engine

from bot.ops.leader_probe import leader
from bot.scheduling.leader import Leadership


def test_the_postgres_leader_is_named(pg_url):
    engine = create_engine(pg_url)
    leadership = Leadership(pg_url)
    try:
        assert leader(engine) is None
        assert leadership.try_acquire()
        seen = leader(engine)
        assert seen is not None and seen["process"] == f"{socket.gethostname()[:24]}:{os.getpid()}"
        leadership.release()
        assert leader(engine) is None
    finally:
        leadership.dispose()
        engine.dispose()


def test_the_sqlite_leader_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = create_engine(url)
    leadership = Leadership(url)
    try:
        assert leader(engine) is None
        assert leadership.try_acquire()
        assert leader(engine) == {"process": f"{socket.gethostname()[:24]}:{os.getpid()}", "since": None}
        leadership.release()
        assert leader(engine) is None
    finally:
        leadership.dispose()
        engine.dispose()
