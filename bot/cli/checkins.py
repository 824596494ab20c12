"""`samtale checkins report`: the check-in figures of a period, as the report's chapter shows them.

    samtale checkins report --period 2026            (or 2026-Q4, 2026-11, 2026-W48)
    samtale checkins report --period 2026 --json     (the chapter's data, as the report gets it)
    samtale checkins report --period 2026 --html chapter.html

Every count is k-anonymous and perturbed (insights/disclosure.py); the figures are a self-selected
sample shown beside the national health profile's, never a prevalence.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from bot.cli.common import CONFIG, open_db


@click.group("checkins")
def group() -> None:
    """The opt-in loneliness check-in (T-ILS): figures for facilitators."""


@group.command("report")
@click.option("--period", "period_id", required=True, metavar="PERIOD", help="2026, 2026-Q4, 2026-11 or 2026-W48.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the chapter's data as JSON.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the chapter as an HTML fragment to this file.")
@CONFIG
def report(period_id: str, lang: str, as_json: bool, html_out: str | None, config: str | None) -> None:
    """Print the check-in figures of a period (share with a score of 7-9, beside the national figure)."""
    from insights.checkin_render import chapter_html, chapter_text
    from insights.checkins import checkin_chapter
    from insights.periods import parse_period

    try:
        period = parse_period(period_id)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    settings, engine, sessions = open_db(config)
    started = time.perf_counter()
    try:
        with sessions() as session:
            data = checkin_chapter(session, period, k=settings.insights.k)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(chapter_text(data, lang)))
    if html_out:
        Path(html_out).write_text(chapter_html(data, lang), encoding="utf-8")
    click.echo(f"({time.perf_counter() - started:.2f} s)", err=True)
