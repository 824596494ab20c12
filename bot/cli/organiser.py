"""`samtale organiser`: one-time invite codes for organisers — make, list, revoke."""
from __future__ import annotations

import click

from bot.cli.common import CONFIG, cli_actor, open_app, settings_from


@click.group("organiser")
def group() -> None:
    """Organisers of local events and their invite codes."""


@group.command()
@click.option("--municipality", required=True, help="Where the organisation is, e.g. Aarhus.")
@click.option("--org", "org", required=True, help='The organisation, e.g. "Røde Kors Aarhus".')
@click.option("--days", type=click.IntRange(1, 365), default=None, help="Valid this many days (default from config).")
@CONFIG
def invite(municipality: str, org: str, days: int | None, config: str | None) -> None:
    """Make a one-time code; the organiser types /organiser CODE to the bot. Shown once, never stored."""
    from handlers.events.invites import InviteError, create_invite

    valid = days or settings_from(config).events.invite_days
    app = open_app(config)
    try:
        with app.sessions() as s:
            try:
                code, inv = create_invite(s, org, municipality, app.clock(), days=valid,
                                          created_by=cli_actor())
            except InviteError as exc:
                raise click.ClickException(str(exc)) from None
            s.commit()
            click.echo(f"invite #{inv.id} for {inv.organisation.name} ({inv.organisation.municipality}), "
                       f"valid {valid} days, one use:\n\n    {code}\n\n"
                       f"The organiser writes to the bot:  /organiser {code}")
    finally:
        app.engine.dispose()


@group.command("list")
@CONFIG
def list_(config: str | None) -> None:
    """Every invite code (first characters only) and what became of it."""
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import func, select

    from handlers.events.invites import invite_state
    from storage.event_models import OrganiserInvite, OrganiserMembership

    app = open_app(config)
    now = app.clock()
    try:
        with app.sessions() as s:
            table = Table("id", "code", "organisation", "municipality", "state", "made", "expires", "organisers")
            counts = dict(s.execute(select(OrganiserMembership.organisation_id, func.count())
                                    .group_by(OrganiserMembership.organisation_id)).all())
            invites = s.scalars(select(OrganiserInvite).order_by(OrganiserInvite.id)).all()
            for inv in invites:
                table.add_row(str(inv.id), f"{inv.hint}…", inv.organisation.name, inv.organisation.municipality,
                              invite_state(inv, now), f"{inv.created_at:%Y-%m-%d}", f"{inv.expires_at:%Y-%m-%d}",
                              str(counts.get(inv.organisation_id, 0)))
            Console(width=160).print(table if invites else "no invite codes")
    finally:
        app.engine.dispose()


@group.command()
@click.argument("code_or_id")
@CONFIG
def revoke(code_or_id: str, config: str | None) -> None:
    """Revoke a code (by the code or its id); if it was used, the organiser rights it gave are taken back."""
    from handlers.events.invites import find_invite
    from handlers.events.invites import revoke as do_revoke

    app = open_app(config)
    try:
        with app.sessions() as s:
            found = find_invite(s, code_or_id)
            if found is None:
                raise click.ClickException(f"no invite {code_or_id!r}")
            click.echo(f"invite #{found.id}: {do_revoke(s, found, app.clock())}")
            s.commit()
    finally:
        app.engine.dispose()
