"""What `samtale status` shows an operator, gathered as one plain dict (the --json form as is)."""
from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, inspect

from bot import __version__
from bot.config import Settings
from bot.ops.leader_probe import leader
from bot.ops.metrics import utc
from storage.migrate import current_revisions, head_revisions
from storage.ops_queries import last_crisis_alert_sent, last_digest_per_sink, oldest_waiting
from storage.outbox_queries import counts_by_platform


def _iso(at: datetime | None) -> str | None:
    return utc(at).isoformat() if at is not None else None


def platforms(settings: Settings) -> dict[str, dict[str, Any]]:
    """Each configured platform and whether it has what it needs to start (never the token itself)."""
    out: dict[str, dict[str, Any]] = {}
    for name in settings.platforms:
        if name == "telegram":
            out[name] = {"ready": bool(settings.telegram_token), "mode": settings.telegram.mode}
        elif name == "discord":
            out[name] = {"ready": bool(settings.discord_token)}
        else:
            out[name] = {"ready": True}
    return out


def sqlite_files(engine: Engine) -> dict[str, int] | None:
    """Bytes on disk of the database file and its WAL and shared-memory files (SQLite only)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        return None
    sizes = {}
    for suffix in ("", "-wal", "-shm"):
        try:
            sizes[os.path.basename(path) + suffix] = os.path.getsize(path + suffix)
        except OSError:
            continue
    sizes["total"] = sum(sizes.values())
    return sizes


def _jobs(engine: Engine) -> dict[str, str | None]:
    # Imported here: APScheduler is loaded only when the job store exists.
    from bot.scheduling.scheduler import describe_jobs

    if "apscheduler_jobs" not in inspect(engine).get_table_names():
        return {}
    return {job_id: _iso(at) for job_id, at in describe_jobs(engine)}


def gather(settings: Settings, engine: Engine, url: str, sessions: Any, now: datetime) -> dict[str, Any]:
    """Everything on the status screen; a database that does not answer gives `database.reachable: false`
    and the parts that need it left out, never an exception."""
    status: dict[str, Any] = {
        "version": __version__, "checked_at": _iso(now),
        "database": {"dialect": engine.dialect.name, "url": engine.url.render_as_string(hide_password=True),
                     "reachable": False},
        "platforms": platforms(settings), "sqlite_files": sqlite_files(engine),
    }
    try:
        current = current_revisions(engine)
    except Exception as exc:  # noqa: BLE001 - the screen says it is unreachable and why
        status["database"]["error"] = type(exc).__name__
        return status
    heads = head_revisions(url)
    status["database"].update(reachable=True, schema={"current": sorted(current), "heads": sorted(heads),
                                                      "up_to_date": current == heads})
    status["leader"] = leader(engine)
    if current != heads:
        return status  # the queries below read tables of this code's schema
    with sessions() as session:
        depth, oldest = counts_by_platform(session), oldest_waiting(session)
        status["outbox"] = {p: {**counts, "oldest_due": _iso(oldest.get(p))} for p, counts in depth.items()}
        status["digests"] = {sink: {"digest": d, "status": st, "at": _iso(at)}
                             for sink, (d, st, at) in last_digest_per_sink(session).items()}
        for sink in settings.insights.sinks:
            status["digests"].setdefault(sink.name, None)  # configured, never delivered to
        status["last_crisis_alert_sent"] = _iso(last_crisis_alert_sent(session))
    jobs = _jobs(engine)
    # Retention runs are not recorded in the database (only logged): the job store says when it runs next.
    retention = next((at for job_id, at in jobs.items() if job_id.endswith("retention")), None)
    status["retention"] = {"last_run": None, "last_run_recorded": False, "next_run": retention}
    return status
