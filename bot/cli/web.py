"""`samtale web`: serve the facilitators' and organisers' dashboard; `samtale web sessions` lists and
ends its sessions.

    samtale web [--listen 127.0.0.1] [--port 8080]
    samtale web sessions [--revoke ID | --revoke-all]
"""
from __future__ import annotations

import click

from bot.cli.common import CONFIG, open_db


@click.group("web", invoke_without_command=True)
@click.option("--listen", default=None, help="Address to listen on (default [web] listen).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port (default [web] port).")
@CONFIG
@click.pass_context
def group(ctx: click.Context, listen: str | None, port: int | None, config: str | None) -> None:
    """Serve the web dashboard (log in with /dashboard in a private chat)."""
    if ctx.invoked_subcommand is not None:
        return
    # Imported here: the web server is needed only by this command.
    import uvicorn

    from bot.web.serve import config as server_config

    settings, engine, sessions = open_db(config)
    host, port = listen or settings.web.listen, port or settings.web.port
    click.echo(f"Samtale dashboard on http://{host}:{port}/ (links point to {settings.web.public_url})")
    if not settings.web.enabled:
        click.echo("Note: [web] enabled is false, so /dashboard in chat does not hand out login links yet.")
    try:
        uvicorn.Server(server_config(settings, sessions, host=host, port=port)).run()
    finally:
        engine.dispose()


@group.command("sessions")
@click.option("--revoke", "revoke_id", type=int, default=None, metavar="ID", help="End this session.")
@click.option("--revoke-all", is_flag=True, help="End every open session.")
@CONFIG
def sessions_command(revoke_id: int | None, revoke_all: bool, config: str | None) -> None:
    """List the open dashboard sessions (role, since, last seen), or end them."""
    # Imported here, as in the other subcommands: `samtale --help` loads none of it.
    from insights.exports.writers import local_time
    from storage.dashboard_queries import open_sessions, revoke
    from storage.clock import system_clock

    _settings, engine, sessions = open_db(config)
    now = system_clock()
    try:
        with sessions() as session:
            if revoke_id is not None or revoke_all:
                ended = revoke(session, None if revoke_all else revoke_id, now)
                session.commit()
                click.echo(f"ended {ended} session(s)")
                return
            rows = open_sessions(session, now)
            for r in rows:
                click.echo(f"{r.id:>6}  {r.role:<12} since {local_time(r.created_at):%Y-%m-%d %H:%M}  last seen {local_time(r.seen_at):%H:%M}")
            if not rows:
                click.echo("no open sessions")
    finally:
        engine.dispose()
