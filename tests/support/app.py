"""A Samtale core for the tests: a clock they set, an app on a database URL, an emptied PostgreSQL database."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from bot.app import App, build_app
from bot.config import Settings
from storage.tables import Base


def truncate_pg(app: App) -> None:
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
