"""Shared fixtures: a Samtale core on a fresh SQLite file or on the PostgreSQL at 127.0.0.1."""
from __future__ import annotations

import gc
import io
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.app import App, build_app
from bot.config import Settings
from bot.platforms.console import Console
from handlers.core.types import CloseButtons, Document, Incoming, Intent, Reply
from storage.tables import Base

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


def _truncate_pg(app: App) -> None:
    with app.engine.begin() as conn:
        tables = [t.name for t in Base.metadata.sorted_tables if t.name != "meta"]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def make_app(url: str, tmp_path, clock: Clock, **overrides) -> App:
    data = {"database": {"url": url}, "console": {"download_dir": str(tmp_path / "downloads")}, **overrides}
    return build_app(Settings.model_validate(data), clock=clock)


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
        _truncate_pg(app)
    yield app
    app.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path, clock) -> Iterator[App]:
    app = make_app(f"sqlite:///{tmp_path / 'samtale.db'}", tmp_path, clock)
    yield app
    app.engine.dispose()


class Person:
    """One console user talking to the core; keeps what the bot said back, as a person would see it."""

    def __init__(self, app: App, name: str, lang_hint: str | None = "da") -> None:
        self.out = io.StringIO()
        self.console = Console(app.dispatcher, name, out=self.out,
                               download_dir=app.settings.console.download_dir, locale_hint=lang_hint)
        self.name = name
        self.last: list[Intent] = []

    async def say(self, line: str) -> str:
        start = self.out.tell()
        self.last = await self.console.dispatcher.handle(self.console.incoming(line))
        for intent in self.last:
            self.console.render(intent)
        self.out.seek(start)
        said = self.out.read()
        self.out.seek(0, io.SEEK_END)
        return said

    async def press(self, label: str) -> str:
        """Press a button by (part of) its label on the last keyboard shown."""
        for key, b in zip(self.console.keys, self.console.choices):
            if label.casefold() in b.label.casefold():
                return await self.say(key)
        raise AssertionError(f"no button {label!r} among {[b.label for b in self.console.choices]}")

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.console.choices]

    def documents(self) -> list[Document]:
        return [i for i in self.last if isinstance(i, Document)]

    def replies(self) -> list[Reply]:
        return [i for i in self.last if isinstance(i, Reply)]

    def closed(self) -> bool:
        return any(isinstance(i, CloseButtons) for i in self.last)

    async def onboard(self, *, lang: str = "da", age: str = "30–49", municipality: str | None = "Aarhus",
                      quote: bool = True) -> None:
        await self.say("/start")
        await self.press("Ja, jeg giver samtykke" if self.console.locale_hint != "en" else "Yes, I consent")
        await self.press("Dansk" if lang == "da" else "English")
        await self.press(age)
        if municipality:
            await self.say(municipality)
        else:
            await self.press("Foretrækker" if lang == "da" else "Prefer")
        await self.press(("Ja, anonymt" if quote else "Nej, ikke") if lang == "da"
                         else ("Yes, anonymously" if quote else "No, don't"))


@pytest.fixture
def person(app):
    def make(name: str = "anna", lang_hint: str | None = "da") -> Person:
        return Person(app, name, lang_hint)
    return make


def incoming(**kw) -> Incoming:
    base = dict(platform="console", chat_id="anna", user_id="anna")
    base.update(kw)
    return Incoming(**base)
