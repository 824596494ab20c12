"""`samtale directory …`: the catalogue of communities in Open Referral HSDS 3 (Danish profile), CSV or JSON.

    samtale directory validate content/directory          (a folder of CSV files, or a .json file)
    samtale directory import content/directory [--replace]
    samtale directory export out/                         (CSV files; out.json for JSON)

Every problem names file, row and field; nothing is imported from a file with any problem.
"""
from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import CONFIG, open_db
from content.hsds import Catalogue, read, to_json, write_folder

PATH = click.Path(path_type=Path)


def _read_or_fail(path: Path) -> Catalogue:
    catalogue, problems = read(path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {path}; nothing was changed.")
    return catalogue


def _summary(catalogue: Catalogue) -> str:
    return ", ".join(f"{len(rows)} {table}" for table, rows in catalogue.items() if rows)


@click.group("directory")
def group() -> None:
    """The directory of communities: validate, import and export HSDS files."""


@group.command("validate")
@click.argument("path", type=PATH)
def validate(path: Path) -> None:
    """Check a folder of HSDS CSV files or a .json file; every problem with file, row and field."""
    catalogue = _read_or_fail(path)
    click.echo(f"OK: {_summary(catalogue)}")


@group.command("import")
@click.argument("path", type=PATH)
@click.option("--replace", is_flag=True, help="Empty the directory first (otherwise rows are updated by id).")
@CONFIG
def import_(path: Path, replace: bool, config: str | None) -> None:
    """Read an HSDS folder or .json file into the directory."""
    from storage.directory_queries import save_catalogue

    catalogue = _read_or_fail(path)
    _, engine, sessions = open_db(config)
    try:
        with sessions() as session:
            save_catalogue(session, catalogue, replace=replace)
            session.commit()
    finally:
        engine.dispose()
    click.echo(f"Imported {_summary(catalogue)}.")


@group.command("export")
@click.argument("path", type=PATH)
@CONFIG
def export(path: Path, config: str | None) -> None:
    """Write the directory as HSDS CSV files into a folder, or as one .json file."""
    from storage.directory_queries import load_catalogue

    _, engine, sessions = open_db(config)
    try:
        with sessions() as session:
            catalogue = load_catalogue(session)
    finally:
        engine.dispose()
    if path.suffix.lower() == ".json":
        path.write_text(to_json(catalogue), encoding="utf-8")
    else:
        write_folder(catalogue, path)
    click.echo(f"Wrote {_summary(catalogue)} to {path}.")
