"""`samtale db`: the database schema."""
from __future__ import annotations

import click

from bot.cli.common import settings_from


@click.group("db")
def group() -> None:
    """Database schema."""


@group.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), help="Config file (default ./samtale.toml).")
def upgrade(config: str | None) -> None:
    """Apply all migrations."""
    from storage.db import make_engine, normalise_url
    from storage.migrate import current_revision
    from storage.migrate import upgrade as do_upgrade

    url = normalise_url(settings_from(config).database.url)
    engine = make_engine(url)
    do_upgrade(engine, url)
    click.echo(f"database at revision {current_revision(engine)}")
    engine.dispose()
