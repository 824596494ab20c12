"""`samtale export`: the collected input as CSV (Danish Excel), XLSX or JSON Lines, for facilitators.

    samtale export reflections|events|signups|participants|digests --out FILE
        [--format csv|xlsx|jsonl] [--from 2026-01-01] [--to 2026-12-31]
        [--area A] [--region R] [--municipality M] [--language L] [--include-hidden]
        [--excel-dk/--no-excel-dk] [--every week|month|quarter|year]

People appear only as pseudonyms that hold within one file; every export is in `samtale audit`.
"""
from __future__ import annotations

import click

from bot.cli.common import CONFIG, cli_actor, day_option, open_db
from insights.exports.spec import FORMATS, KINDS, PERIOD_KINDS


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The file to write (replaced if it exists).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--from", "first", default=None, metavar="DATE", help="First day included (Copenhagen), 2026-01-01.")
@click.option("--to", "last", default=None, metavar="DATE", help="Last day included (Copenhagen), 2026-12-31.")
@click.option("--area", default=None, help="Only this strategy area (hjem, uddannelse, fritid, arbejde, sundhed, andet).")
@click.option("--region", default=None, help='Only this region, e.g. "Region Midtjylland" or Midtjylland.')
@click.option("--municipality", default=None, help="Only this municipality, e.g. Aarhus.")
@click.option("--language", default=None, help="Only this language code, e.g. da, en, ar.")
@click.option("--include-hidden", is_flag=True, help="Reflections: include those hidden by moderation.")
@click.option("--excel-dk/--no-excel-dk", default=True, show_default=True,
              help="CSV for Danish Excel: UTF-8 with BOM, ';' and decimal comma.")
@click.option("--every", type=click.Choice(PERIOD_KINDS), default="week", show_default=True,
              help="Digests: one digest per period of this length.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@CONFIG
def export(kind: str, out: str, fmt: str, first: str | None, last: str | None, area: str | None,
           region: str | None, municipality: str | None, language: str | None, include_hidden: bool,
           excel_dk: bool, every: str, progress: bool | None, config: str | None) -> None:
    """Export reflections, events, sign-ups, participants or digests to a file.

    Times are Copenhagen time with their UTC offset: 2026-03-02 11:00:00+01:00 in CSV, ISO 8601 in
    JSON Lines, a date-time cell showing the offset in XLSX. Columns: docs/exports.md.
    """
    from insights.exports.run import run_export
    from insights.exports.spec import ExportSpec, SpecError, validate

    spec = ExportSpec(kind=kind, fmt=fmt, first_day=day_option(first, "--from"), last_day=day_option(last, "--to"),
                      area=area, region=region, municipality=municipality, language=language,
                      include_hidden=include_hidden, excel_dk=excel_dk, every=every)
    try:
        spec = validate(spec)
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None
    settings, engine, sessions = open_db(config)
    ins = settings.insights
    spec.extra.update(k=ins.k, quotes_per_area=ins.quotes_per_area, terms=ins.emerging_terms)
    try:
        result = run_export(sessions, spec, out, actor=cli_actor(), progress=progress)
    finally:
        engine.dispose()
    sheets = f" on {result.sheets} sheets" if fmt == "xlsx" and result.sheets > 1 else ""
    rows = f"{result.rows:,} row" + ("" if result.rows == 1 else "s")
    click.echo(f"wrote {rows} of {kind}{sheets} to {result.path} in {result.seconds:.1f} s "
               "(recorded in `samtale audit`)")


group = export
