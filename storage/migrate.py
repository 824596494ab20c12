"""Alembic migrations, driven from code: upgrade, and the check `samtale run` makes before starting."""
from __future__ import annotations

import re
from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

# `revision = "0016_loop"`, `down_revision = None`, `down_revision: str | None = ("a", "b")`
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"'\n]+)["']""")


def alembic_config(url: str) -> Config:
    # Alembic is imported where it is used: it costs about a tenth of a second, and a restart over an
    # up-to-date database (every `samtale run`) needs none of it (see `ensure_migrated`).
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("storage") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revisions(url: str) -> set[str]:
    # Features add migrations side by side; several heads are fine as long as all are applied.
    from alembic.script import ScriptDirectory  # see alembic_config

    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def known_revisions(url: str) -> set[str]:
    """Every revision this code has a migration for (one it does not know was made by a newer release)."""
    from alembic.script import ScriptDirectory  # see alembic_config

    return {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext  # see alembic_config

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def current_revision(engine: Engine) -> str:
    """For people: the applied heads, comma-separated ('none' for an empty database)."""
    return ", ".join(sorted(current_revisions(engine))) or "none"


def upgrade(engine: Engine, url: str) -> None:
    from alembic import command  # see alembic_config

    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


class NotMigrated(RuntimeError):
    """The database exists but is behind the code; the message says what to run."""


def heads_from_files() -> set[str] | None:
    """The heads as the migration files' revision lines name them, read as text (neither alembic nor the
    migrations imported); None when a file is not of that plain form, and alembic must say."""
    revisions: set[str] = set()
    below: set[str] = set()
    for path in (files("storage") / "migrations" / "versions").iterdir():
        if not path.name.endswith(".py") or path.name.startswith("_"):
            continue
        lines = dict(m.groups() for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")))
        revision = _QUOTED.findall(lines.get("revision", ""))
        if len(revision) != 1 or "down_revision" not in lines:
            return None
        revisions.add(revision[0])
        below.update(_QUOTED.findall(lines["down_revision"]))
    return (revisions - below) or None


def _applied(engine: Engine) -> set[str] | None:
    """The revisions in alembic_version, by plain SQL; None without that table."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}


def ensure_migrated(engine: Engine, url: str) -> str:
    """Migrate a fresh database; refuse an old one. Returns what was done, for the log."""
    heads = heads_from_files()
    if heads is not None and _applied(engine) == heads:
        return "up to date"  # the common case, a restart: answered without loading alembic
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
