"""`samtale statements …`: the conversation's statements for facilitators.

    samtale statements list [--status pending]       what there is, with ids
    samtale statements add --da "…" [--en "…"]      a facilitator's statement, shown at once
    samtale statements import statements.toml        [[statements]] da = "…", en = "…" (campaign = "…")
    samtale statements accept ID / reject ID         a citizen's statement; its author is told
    samtale statements report [--format json]        run the analysis, print groups and consensus

Every decision goes into the audit log; the report passes the disclosure layer (no group under k).
"""
from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import click

from bot.cli.common import CONFIG, cli_actor, open_db
from storage.clock import system_clock

STATUSES = ("pending", "accepted", "rejected", "all")


@click.group("statements")
def group() -> None:
    """Statements to vote on (/stem), moderation and the opinion-group report."""


@group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default="all", show_default=True)
@CONFIG
def list_(status: str, config: str | None) -> None:
    """List statements with their id, status and words."""
    from storage.statement_queries import statements

    _, engine, sessions = open_db(config)
    try:
        with sessions() as s:
            for row in statements(s, None if status == "all" else status):
                click.echo(f"{row.id:>5}  {row.status:<9} {row.text('da')}"
                           + (f"  | {row.text_en}" if row.text_en and row.text_da else ""))
    finally:
        engine.dispose()


def _add(s, da: str | None, en: str | None, campaign: str | None) -> int:  # noqa: ANN001 - a Session
    from storage.statement_models import MAX_STATEMENT_CHARS
    from storage.statement_queries import add_statement

    da, en = (da or "").strip() or None, (en or "").strip() or None
    if not da and not en:
        raise click.BadParameter("a statement needs --da or --en text")
    if any(len(x) > MAX_STATEMENT_CHARS for x in (da, en) if x):
        raise click.BadParameter(f"a statement has at most {MAX_STATEMENT_CHARS} characters")
    return add_statement(s, now=system_clock(), text_da=da, text_en=en, campaign=campaign).id


@group.command("add")
@click.option("--da", "da", default=None, help="The statement in Danish.")
@click.option("--en", "en", default=None, help="The statement in English.")
@click.option("--campaign", default=None, help="The campaign it belongs to.")
@CONFIG
def add(da: str | None, en: str | None, campaign: str | None, config: str | None) -> None:
    """Add a facilitator's statement; it is shown to voters at once."""
    _, engine, sessions = open_db(config)
    try:
        with sessions.begin() as s:
            sid = _add(s, da, en, campaign)
        click.echo(f"added statement {sid}")
    finally:
        engine.dispose()


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@CONFIG
def import_(path: str, config: str | None) -> None:
    """Add every [[statements]] of a TOML file (da, en, campaign); all or none."""
    try:
        rows = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("statements", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise click.ClickException(f"{path}: expected [[statements]] tables")
    _, engine, sessions = open_db(config)
    try:
        with sessions.begin() as s:
            ids = [_add(s, r.get("da"), r.get("en"), r.get("campaign")) for r in rows]
        click.echo(f"imported {len(ids)} statements")
    finally:
        engine.dispose()


def _decide(sid: int, status: str, config: str | None) -> None:
    from handlers.statement_moderation import moderate
    from storage.statement_models import PENDING, Statement

    _, engine, sessions = open_db(config)
    try:
        with sessions.begin() as s:
            row = s.get(Statement, sid)
            if row is None:
                raise click.ClickException(f"no statement {sid}")
            if row.status != PENDING:
                raise click.ClickException(f"statement {sid} is already {row.status}")
            moderate(s, row, status, system_clock(), cli_actor(), "cli")
        click.echo(f"statement {sid} {status}; its author (if any) will be told")
    finally:
        engine.dispose()


@group.command("accept")
@click.argument("sid", type=click.IntRange(1, 2**31 - 1))
@CONFIG
def accept(sid: int, config: str | None) -> None:
    """Accept a citizen's statement: others can vote on it."""
    _decide(sid, "accepted", config)


@group.command("reject")
@click.argument("sid", type=click.IntRange(1, 2**31 - 1))
@CONFIG
def reject(sid: int, config: str | None) -> None:
    """Reject a citizen's statement."""
    _decide(sid, "rejected", config)


@group.command("report")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["da", "en"]), default="da", show_default=True)
@CONFIG
def report(fmt: str, lang: str, config: str | None) -> None:
    """Run the analysis now and print groups, representative statements and consensus."""
    # Imported here: scikit-learn takes about a second to load, and only this command and the job need it.
    from insights.conversation_report import conversation_report
    from insights.conversation_run import run

    settings, engine, sessions = open_db(config)
    started = time.perf_counter()
    try:
        with sessions.begin() as s:
            run(s, system_clock(), settings.insights.k)
        with sessions() as s:
            data = conversation_report(s, settings.insights.k, lang)
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_text(data)))
    click.echo(f"({time.perf_counter() - started:.2f} s)", err=True)


def _text(data: dict) -> list[str]:
    lines = [f"Analysis of {data['ran_at']}: {len(data['groups'])} opinion groups"]
    for g in data["groups"]:
        lines.append(f"Group {g['group']} (about {g['participants']} people):")
        lines += [f"  {r['direction']:<8} {round(100 * r['share'])}%  {r['text']}" for r in g["representative"]]
    lines.append("Consensus across groups:")
    lines += [f"  {c['score']:.3f}  {c['text']}" for c in data["consensus"]]
    lines.append("Uncertain (over 30 % 'ved ikke'):")
    lines += [f"  {u['text']}" for u in data["uncertain"]]
    return lines
