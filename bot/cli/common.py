"""What every subcommand shares: settings from --config, the migrated database or App, the actor, days."""
from __future__ import annotations

import getpass

import click

from bot.config import ConfigError, Settings, load_settings

CONFIG = click.option("--config", "config", type=click.Path(dir_okay=False),
                      help="Config file (default ./samtale.toml).")


def settings_from(config: str | None) -> Settings:
    """Load settings for any subcommand, turning a bad config into a clean error."""
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def open_app(config: str | None = None, *, settings: Settings | None = None):  # noqa: ANN201 - bot.app.App
    """The program over a migrated database, as `samtale run` builds it (a clear message otherwise)."""
    # Imported here: `samtale --help` and the light subcommands need none of the features.
    from bot.app import build_app
    from storage.migrate import NotMigrated

    try:
        return build_app(settings if settings is not None else settings_from(config))
    except NotMigrated as exc:
        raise click.ClickException(str(exc)) from None


def open_db(config: str | None):  # noqa: ANN201 - (Settings, Engine, sessionmaker)
    """Settings, engine and sessions of a migrated database, without building the program."""
    from storage.db import make_engine, make_sessionmaker, normalise_url
    from storage.migrate import NotMigrated, ensure_migrated

    settings = settings_from(config)
    url = normalise_url(settings.database.url)
    engine = make_engine(url, synchronous=settings.database.synchronous)
    try:
        ensure_migrated(engine, url)
    except NotMigrated as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None
    return settings, engine, make_sessionmaker(engine)


def cli_actor() -> str:
    """Who did it, for the audit log: the operating-system user at the terminal."""
    return f"cli:{getpass.getuser()}"


def day_option(value: str | None, option: str):  # noqa: ANN201 - date | None
    """A --from/--to day (Copenhagen), or a usage error that names the option."""
    from insights.exports.spec import SpecError, parse_day

    if value is None:
        return None
    try:
        return parse_day(value, option)
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None
