"""`samtale audit`: the log of exports, reports, digest previews, /stats, moderation, action-plan changes
and municipal summaries.

    samtale audit [--action export|report|digest|stats|hide|unhide|action-plan|local] [--since 2026-01-01]
                  [--limit 50] [--jsonl]
"""
from __future__ import annotations

import json

import click

from bot.cli.common import CONFIG, day_option, open_db
from storage.audit_models import ACTIONS


def _filters_text(filters: dict) -> str:
    shown = {k: v for k, v in (filters or {}).items() if v not in (None, False)}
    return " ".join(f"{k}={v}" for k, v in shown.items())


@click.command("audit")
@click.option("--action", type=click.Choice(ACTIONS), default=None, help="Only this kind of entry.")
@click.option("--since", default=None, metavar="DATE", help="Only entries from this day on (Copenhagen).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object per entry, for tools.")
@CONFIG
def audit(action: str | None, since: str | None, limit: int, as_jsonl: bool, config: str | None) -> None:
    """Who exported, reported, previewed or hid what, and when (newest first)."""
    from sqlalchemy import select

    from insights.exports.writers import local_time
    from insights.periods import day_start
    from storage.audit_models import AuditEntry

    first = day_option(since, "--since")
    _settings, engine, sessions = open_db(config)
    try:
        with sessions() as session:
            stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
            if action:
                stmt = stmt.where(AuditEntry.action == action)
            if first:
                stmt = stmt.where(AuditEntry.at >= day_start(first))
            entries = session.scalars(stmt).all()
    finally:
        engine.dispose()
    if as_jsonl:
        for e in entries:
            click.echo(json.dumps({
                "id": e.id, "at": local_time(e.at).isoformat(), "actor": e.actor, "via": e.via, "action": e.action,
                "subject": e.subject, "format": e.format, "filters": e.filters, "rows": e.rows,
                "target": e.target, "reason": e.reason, "status": e.status, "detail": e.detail,
            }, ensure_ascii=False))
        return
    if not entries:
        click.echo("no entries")
        return
    for e in entries:
        when = local_time(e.at).strftime("%Y-%m-%d %H:%M:%S")
        what = f"{e.action} {e.subject}" + (f" ({e.format})" if e.format else "")
        rows = f", {e.rows:,} {'row' if e.rows == 1 else 'rows'}" if e.rows is not None else ""
        line = f"#{e.id} {when} {e.actor} via {e.via}: {what}{rows}"
        extra = _filters_text(e.filters)
        if extra:
            line += f" [{extra}]"
        if e.target:
            line += f" → {e.target}"
        if e.reason:
            line += f" — reason: {e.reason}"
        if e.status != "ok":
            line += f" — {e.status.upper()}: {e.detail or ''}"
        click.echo(line)


group = audit
