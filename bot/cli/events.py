"""`samtale events`: list, show, cancel and tick for facilitators.

`tick` runs by hand what the leading `samtale run` runs every minute (bot.scheduling.jobs.events_job):
due reminders, and seats freed by erasures given to the people waiting.
"""
from __future__ import annotations

from datetime import datetime

import click

from bot.cli.common import CONFIG, open_app


@click.group("events")
def group() -> None:
    """Local events: see them, cancel one, run the reminder job by hand."""


def _local(moment: datetime) -> str:
    from engines.dates import TZ
    from handlers.events.store import aware

    return aware(moment).astimezone(TZ).strftime("%a %Y-%m-%d %H:%M")


def _event(session, event_id: int):
    from storage.event_models import Event

    event = session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"no event {event_id}")
    return event


@group.command("list")
@click.option("--municipality", help="Only this municipality (and online events).")
@click.option("--all", "show_all", is_flag=True, help="Also past and cancelled events.")
@CONFIG
def list_(municipality: str | None, show_all: bool, config: str | None) -> None:
    """Upcoming events with their seats and waitlists (counts only)."""
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import select

    from content.municipalities import match_municipality
    from handlers.events import seats
    from handlers.events.store import upcoming
    from storage.event_models import Event

    app = open_app(config)
    try:
        with app.sessions() as s:
            name = None
            if municipality:
                found = match_municipality(municipality)
                if found is None:
                    raise click.ClickException(f"unknown municipality {municipality!r}")
                name = found.name
            if show_all:
                q = select(Event).order_by(Event.starts_at, Event.id)
                if name:
                    q = q.where(Event.municipality == name)
                events = list(s.scalars(q))
            else:
                events = upcoming(s, app.clock(), municipality=name, limit=10_000)
            table = Table("id", "starts", "title", "organisation", "municipality", "seats", "waiting", "status")
            for e in events:
                taken = seats.seats_taken(s, e.id)
                table.add_row(str(e.id), _local(e.starts_at), e.title, e.organisation.name,
                              "online" if e.online else e.municipality,
                              f"{taken}/{e.capacity}" if e.capacity is not None else f"{taken}/∞",
                              str(seats.waiting_count(s, e.id)), e.status)
            Console(width=160).print(table if events else "no events")
    finally:
        app.engine.dispose()


@group.command()
@click.argument("event_id", type=int)
@click.option("--attendees", is_flag=True, help="Also the names attendees chose (never platform ids).")
@CONFIG
def show(event_id: int, attendees: bool, config: str | None) -> None:
    """One event: details, seats, waitlist, reminders and channel posts."""
    from sqlalchemy import func, select

    from handlers.events import seats
    from handlers.events.store import attendees as names_of
    from handlers.events.store import payload_for
    from storage.event_models import (
        CONFIRMED,
        WAITING,
        EventAnnouncement,
        EventReminder,
    )

    app = open_app(config)
    try:
        with app.sessions() as s:
            e = _event(s, event_id)
            taken, waiting = seats.seats_taken(s, e.id), seats.waiting_count(s, e.id)
            pending = s.scalar(select(func.count()).select_from(EventReminder)
                               .where(EventReminder.event_id == e.id, EventReminder.sent_at.is_(None)))
            posts = s.scalars(select(EventAnnouncement).where(EventAnnouncement.event_id == e.id)).all()
            lines = [
                f"#{e.id} {e.title} ({e.status})",
                f"organisation: {e.organisation.name}",
                f"starts: {_local(e.starts_at)} Europe/Copenhagen, {e.duration_minutes} min",
                f"place: {e.place}{' (online)' if e.online else ''}, {e.municipality}",
                f"seats: {taken} of {e.capacity if e.capacity is not None else 'no limit'}; waiting: {waiting}",
                f"language: {e.language}; for: {e.audience}; +1: {'yes' if e.plus_one else 'no'}",
                f"accessibility: {e.accessibility or '-'}",
                f"deep link payload: {payload_for(e.id)}",
                f"reminders still to send: {pending}",
                "channel posts: " + (", ".join(f"{p.platform}:{p.channel} {p.status}" for p in posts) or "none"),
            ]
            if e.cancel_note:
                lines.append(f"cancellation note: {e.cancel_note}")
            if attendees:
                for status, label in ((CONFIRMED, "coming"), (WAITING, "waiting")):
                    rows = names_of(s, e.id, status)
                    lines.append(f"{label}:")
                    lines += [f"  {i}. {name or '(no name)'}{' + a friend' if su.guests else ''}"
                              for i, (su, name) in enumerate(rows, 1)] or ["  -"]
            click.echo("\n".join(lines))
    finally:
        app.engine.dispose()


@group.command()
@click.argument("event_id", type=int)
@click.option("--note", default="", help="A short message to everyone signed up (e.g. why).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@CONFIG
def cancel(event_id: int, note: str, yes: bool, config: str | None) -> None:
    """Cancel an event: everyone signed up or waiting is told, kindly, through the outbox."""
    from handlers.events import seats
    from handlers.events.manage import cancel_event
    from storage.db import writer
    from storage.event_models import OPEN

    app = open_app(config)
    try:
        with app.sessions() as s:
            e = _event(s, event_id)
            if e.status != OPEN:
                raise click.ClickException(f"event {event_id} is already {e.status}")
            title = e.title
        if not yes:
            click.confirm(f"Cancel #{event_id} {title!r} and tell everyone signed up?", abort=True)
        with writer(app.sessions()) as s:
            event = seats.lock_event(s, event_id)
            if event is None or event.status != OPEN:
                raise click.ClickException(f"event {event_id} changed meanwhile; nothing done")
            told = cancel_event(s, event, note, app.clock())
            s.commit()
        click.echo(f"cancelled #{event_id} {title!r}; {told} people will be told")
    finally:
        app.engine.dispose()


@group.command()
@CONFIG
def tick(config: str | None) -> None:
    """Run the events job once now (it also runs every minute in the leading `samtale run`)."""
    from handlers.events.reminders import events_tick

    app = open_app(config)
    try:
        done = events_tick(app, app.clock(), app.dispatcher.services.events)
        click.echo(f"reminders queued: {done['reminders']}; promoted from waitlists: {done['promoted']}")
    finally:
        app.engine.dispose()

