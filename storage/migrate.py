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


def head_revisions(url: str) -> set[str]:
    # Features add migrations side by side; several heads are fine as long as all are applied.
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def known_revisions(url: str) -> set[str]:
    """Every revision this code has a migration for (one it does not know was made by a newer release)."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def current_revision(engine: Engine) -> str:
    """For people: the applied heads, comma-separated ('none' for an empty database)."""
    return ", ".join(sorted(current_revisions(engine))) or "none"


def upgrade(engine: Engine, url: str) -> None:
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


class NotMigrated(RuntimeError):
    """The database exists but is behind the code; the message says what to run."""


def ensure_migrated(engine: Engine, url: str) -> str:
    """Migrate a fresh database; refuse an old one. Returns what was done, for the log."""
    current = current_revisions(engine)
    heads = head_revisions(url)
    if current == heads:
        return "up to date"
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    if not current and not tables:
        upgrade(engine, url)
        return "created"
    raise NotMigrated(
        f"The database is at revision {current_revision(engine)} but this Samtale needs "
        f"{', '.join(sorted(heads))}. Run `samtale db upgrade` (take a backup first)."
    )
