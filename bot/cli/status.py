"""`samtale status`: one screen for an operator (version, database, leader, platforms, outbox, digests,
retention, crisis alerts, SQLite size); `--json` for scripts. Reads only; exits 1 when the database is
unreachable or behind the code."""
from __future__ import annotations

import json
from typing import Any

import click

from bot.cli.common import CONFIG, settings_from


@click.command()
@CONFIG
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts and monitoring.")
def status(config: str | None, as_json: bool) -> None:
    """Show how this installation is doing."""
    from bot.ops.status import gather
    from storage.clock import system_clock
    from storage.db import make_engine, make_sessionmaker, normalise_url

    settings = settings_from(config)
    url = normalise_url(settings.database.url)
    engine = make_engine(url, synchronous=settings.database.synchronous)
    try:
        found = gather(settings, engine, url, make_sessionmaker(engine), system_clock())
    finally:
        engine.dispose()
    click.echo(json.dumps(found, indent=2, ensure_ascii=False) if as_json else "\n".join(screen(found)))
    db = found["database"]
    if not db["reachable"] or not db["schema"]["up_to_date"]:
        raise SystemExit(1)


def screen(s: dict[str, Any]) -> list[str]:
    db = s["database"]
    lines = [f"Samtale {s['version']}   (checked {s['checked_at']})",
             f"database   {db['dialect']} {db['url']}"]
    if not db["reachable"]:
        return [*lines, f"           UNREACHABLE ({db.get('error')})", *_platforms(s), *_sqlite(s)]
    schema = db["schema"]
    lines.append(f"schema     {', '.join(schema['current']) or 'none'}"
                 + ("   (up to date)" if schema["up_to_date"] else
                    f"   BEHIND: needs {', '.join(schema['heads'])} - run `samtale db upgrade`"))
    leader = s.get("leader")
    lines.append(f"leader     {'none: no process runs the scheduler' if leader is None else leader.get('process') or 'a process (unnamed)'}")
    lines += _platforms(s)
    for platform, counts in sorted((s.get("outbox") or {}).items()):
        waiting = {k: v for k, v in counts.items() if v and k != "oldest_due"}
        oldest = f", the longest-waiting due since {counts['oldest_due']}" if counts.get("oldest_due") else ""
        lines.append(f"outbox     {platform}: {', '.join(f'{k} {v}' for k, v in waiting.items()) or 'empty'}{oldest}")
    for sink, last in sorted((s.get("digests") or {}).items()):
        lines.append(f"digest     {sink}: " + ("never delivered" if last is None else
                                              f"{last['digest']} {last['status']} at {last['at']}"))
    if "retention" in s:
        r = s["retention"]
        lines.append(f"retention  last run not recorded (see the log); next run {r['next_run'] or 'not scheduled yet'}")
        lines.append(f"crisis     last alert sent {s['last_crisis_alert_sent'] or 'never'}")
    return lines + _sqlite(s)


def _platforms(s: dict[str, Any]) -> list[str]:
    def one(name: str, p: dict) -> str:
        mode = f" ({p['mode']})" if "mode" in p else ""
        return f"{name}{mode}" + ("" if p["ready"] else " - NO TOKEN")
    return [f"platforms  {', '.join(one(n, p) for n, p in s['platforms'].items())}"]


def _sqlite(s: dict[str, Any]) -> list[str]:
    files = s.get("sqlite_files")
    if not files:
        return []
    return [f"disk       {files['total'] / 1e6:.1f} MB ("
            + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in files.items() if name != "total") + ")"]
