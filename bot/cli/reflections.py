"""`samtale reflections`: moderation — hide a reflection from quotes, exports and digests, or show it again.

    samtale reflections hide ID --reason "names a neighbour"
    samtale reflections unhide ID --reason "hidden by mistake"
    samtale reflections hidden            the hidden ones, with who hid them, when and why

Every step is in the audit log (`samtale audit --action hide`).
"""
from __future__ import annotations

import click

from bot.cli.common import CONFIG, cli_actor, open_db
from storage.clock import system_clock


@click.group("reflections")
def group() -> None:
    """Moderate reflections (hide, unhide, list hidden)."""


def _moderate(reflection_id: int, reason: str, hidden: bool, config: str | None) -> None:
    from handlers.facilitator import set_hidden
    from storage.db import writer

    reason = reason.strip()
    if not reason:
        raise click.BadParameter("give a reason; it goes into the audit log", param_hint="--reason")
    _settings, engine, sessions = open_db(config)
    try:
        with writer(sessions()) as session:
            outcome = set_hidden(session, reflection_id, hidden=hidden, actor=cli_actor(), via="cli", reason=reason,
                                 now=system_clock())
            session.commit()
    finally:
        engine.dispose()
    verb = "hidden" if hidden else "visible again"
    if outcome == "missing":
        raise click.ClickException(f"no reflection {reflection_id}")
    if outcome == "already":
        click.echo(f"reflection {reflection_id} was already {'hidden' if hidden else 'visible'} (logged anyway)")
        return
    click.echo(f"reflection {reflection_id} is {verb}"
               + (": not in quotes, digests or exports (unless --include-hidden)" if hidden else ""))


def _moderation_command(name: str, hidden: bool, help_text: str) -> click.Command:
    """`hide` and `unhide`: the same arguments, one direction each."""

    @group.command(name, help=help_text)
    @click.argument("reflection_id", type=click.IntRange(1))
    @click.option("--reason", required=True, help="Why (kept in the audit log).")
    @CONFIG
    def command(reflection_id: int, reason: str, config: str | None) -> None:
        _moderate(reflection_id, reason, hidden, config)

    return command


hide = _moderation_command("hide", True, "Hide a reflection from quotes, exports (unless --include-hidden) and digests.")
unhide = _moderation_command("unhide", False, "Show a hidden reflection again.")


@group.command("hidden")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@CONFIG
def hidden(limit: int, config: str | None) -> None:
    """List hidden reflections with who hid them, when and why."""
    from sqlalchemy import select

    from insights.exports.writers import local_time
    from storage.audit_models import HIDE, AuditEntry
    from storage.models import Reflection

    _settings, engine, sessions = open_db(config)
    try:
        with sessions() as session:
            rows = session.execute(select(Reflection.id, Reflection.created_at).where(Reflection.hidden.is_(True))
                                   .order_by(Reflection.id.desc()).limit(limit)).all()
            why: dict[str, AuditEntry] = {}
            subjects = [f"reflection:{rid}" for rid, _ in rows]
            for start in range(0, len(subjects), 500):
                for entry in session.scalars(select(AuditEntry).where(
                        AuditEntry.action == HIDE, AuditEntry.subject.in_(subjects[start:start + 500]))
                        .order_by(AuditEntry.at)):
                    why[entry.subject] = entry  # the latest hide wins
    finally:
        engine.dispose()
    if not rows:
        click.echo("no hidden reflections")
        return
    for rid, created in rows:
        entry = why.get(f"reflection:{rid}")
        said = f"written {local_time(created):%Y-%m-%d}"
        if entry is not None:
            said += f", hidden {local_time(entry.at):%Y-%m-%d %H:%M} by {entry.actor}: {entry.reason}"
        click.echo(f"#{rid} {said}")
