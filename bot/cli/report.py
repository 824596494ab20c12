"""`samtale report`: the annual report as one self-contained HTML file, Danish by default.

    samtale report --year 2026 --out report.html [--lang en]
    samtale report --from 2026-01-01 --to 2026-06-30 --out halvår.html

It opens in any browser, prints on A4 and reads on a phone; each step is shown on stderr as it starts. Every
figure about people is k-anonymous, exactly as in the digests. The report is in `samtale audit`.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import click

from bot.cli.common import CONFIG, cli_actor, day_option, open_db
from storage.clock import system_clock


@click.command("report")
@click.option("--year", type=click.IntRange(2000, 2999), default=None, help="The calendar year, e.g. 2026.")
@click.option("--from", "first", default=None, metavar="DATE", help="Instead of --year: first day (2026-01-01).")
@click.option("--to", "last", default=None, metavar="DATE", help="Instead of --year: last day included.")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@CONFIG
def report(year: int | None, first: str | None, last: str | None, lang: str, out: str, config: str | None) -> None:
    """Write the annual report (HTML with inline charts) for a year or a span of days."""
    from bot import __version__
    from insights.exports.html import render_report
    from insights.exports.report import build_report, span
    from insights.exports.report import year as year_period
    from storage.audit_models import REPORT, record
    from storage.db import writer

    first_day, last_day = day_option(first, "--from"), day_option(last, "--to")
    if year is not None and (first_day or last_day):
        raise click.UsageError("give --year or --from/--to, not both")
    if year is None and not (first_day and last_day):
        raise click.UsageError("give --year 2026, or both --from and --to")
    if first_day and last_day and first_day > last_day:
        raise click.UsageError(f"--from {first_day} is after --to {last_day}")
    period = year_period(year) if year is not None else span(first_day, last_day)
    settings, engine, sessions = open_db(config)
    ins = settings.insights
    started = time.perf_counter()
    now = system_clock()
    path = Path(out)
    progress = _progress(started)
    try:
        with sessions() as session:
            data = build_report(session, period, k=ins.k, quotes_per_area=ins.quotes_per_area,
                                terms=ins.emerging_terms, now=now, lang=lang, progress=progress)
        progress("render")
        html = render_report(data, lang, consent_version=settings.privacy.consent_version, version=__version__)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".samtale-report-", suffix=".html.tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(html)
            # Unlike an export, the report holds only k-anonymous figures: it is for sharing.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with writer(sessions()) as session:
            record(session, actor=cli_actor(), via="cli", action=REPORT, subject="report", at=now, format="html",
                   filters={"period": period.id, "from": period.first_day.isoformat(),
                            "to": data["period"]["last_day"], "lang": lang, "k": ins.k},
                   target=str(path.resolve()), detail=f"digest key {data['digest']['digest_key']}")
            session.commit()
    finally:
        engine.dispose()
    took = time.perf_counter() - started
    click.echo(f"wrote the report for {period.id} ({lang}, {len(html.encode()) // 1024} KB) to {path} "
               f"in {took:.1f} s (recorded in `samtale audit`)")


STEPS = {"digest": "the period's figures, themes, words and quotes", "months": "month by month",
         "events": "local events", "activities": "status and activities", "render": "the page and its charts"}


def _progress(started: float):  # noqa: ANN202
    """Prints each step as it starts, with the seconds so far, on stderr (stdout keeps the one result line)."""
    def step(name: str) -> None:
        n = list(STEPS).index(name) + 1 if name in STEPS else 0
        click.echo(f"[{n}/{len(STEPS)}] {STEPS.get(name, name)} ({time.perf_counter() - started:.1f} s)", err=True)
    return step


group = report
