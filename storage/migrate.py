"""Alembic migrations, driven from code: upgrade, and the check `samtale run` makes before starting."""
from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("storage") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, url: str) -> None:
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class NotMigrated(RuntimeError):
    """The database exists but is behind the code; the message says what to run."""


def ensure_migrated(engine: Engine, url: str) -> str:
    """Migrate a fresh database; refuse an old one. Returns what was done, for the log."""
    current = current_revision(engine)
    head = head_revision(url)
    if current == head:
        return "up to date"
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    if current is None and not tables:
        upgrade(engine, url)
        return "created"
    raise NotMigrated(
        f"The database is at revision {current or 'none'} but this Samtale needs {head}. "
        "Run `samtale db upgrade` (take a backup first)."
    )
