"""Shared fixtures: a Samtale core on a fresh SQLite file or on the PostgreSQL at 127.0.0.1 (the helpers they
use live in tests/support/)."""
from __future__ import annotations

import gc
import logging
import os
import sys
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from bot.app import App
from tests.support.app import Clock, make_app, truncate_pg
from tests.support.people import Person

def _warnings_are_errors(item) -> bool:  # noqa: ANN001
    return any(m.args == ("error",) for m in item.iter_markers("filterwarnings"))


@pytest.fixture(autouse=True)
def _not_blamed_for_earlier_garbage(request):
    """A module that turns warnings into errors must fail for its own leaks, not for an unclosed session
    that an earlier test in the same worker left to the garbage collector: collect that first, and log it."""
    if _warnings_are_errors(request.node):
        hook = sys.unraisablehook
        sys.unraisablehook = lambda u: logging.getLogger("tests.leaks").warning(
            "left by an earlier test: %s", u.exc_value)
        try:
            gc.collect()
        finally:
            sys.unraisablehook = hook


PG_ADMIN_URL = os.environ.get("SAMTALE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("SAMTALE_REQUIRE_POSTGRES") == "1"


def _pg_available() -> str | None:
    """None when usable, else why not."""
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: not here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run."""
    problem = _pg_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required (SAMTALE_REQUIRE_POSTGRES=1) but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem}); start it or set "
                    "SAMTALE_TEST_PG_URL=postgresql+psycopg://USER@HOST:PORT/DB to run these tests")
    name = f"samtale_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", "postgres"])
def app(request, tmp_path, clock) -> Iterator[App]:
    """The core on SQLite and on PostgreSQL: every test using it runs on both."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'samtale.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    app = make_app(url, tmp_path, clock)
    if request.param == "postgres":
        truncate_pg(app)
    yield app
    app.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path, clock) -> Iterator[App]:
    app = make_app(f"sqlite:///{tmp_path / 'samtale.db'}", tmp_path, clock)
    yield app
    app.engine.dispose()


@pytest.fixture
def person(app):
    def make(name: str = "anna", lang_hint: str | None = "da") -> Person:
        return Person(app, name, lang_hint)
    return make
