"""Who may do what with an event, checked in the handlers (not only in the menus).

- citizens find events and sign up; they never see attendee lists or organiser tools;
- organisers manage the events of their own organisation(s) — another organisation's event looks
  exactly like one that does not exist;
- facilitators (configured) may manage every event.
"""
from __future__ import annotations

from handlers.core.context import Ctx
from handlers.events.store import organisation_ids, parse_id
from storage.event_models import Event

ORGANISER_ROLES = frozenset({"organiser", "facilitator"})


def is_facilitator(ctx: Ctx) -> bool:
    return ctx.role == "facilitator"


def manageable(ctx: Ctx, raw_id: str | int) -> Event | None:
    """The event, if this person may manage it; None for a missing event and for someone else's alike."""
    event_id = raw_id if isinstance(raw_id, int) else parse_id(raw_id)
    if event_id is None or ctx.participant is None:
        return None
    event = ctx.session.get(Event, event_id)
    if event is None:
        return None
    if is_facilitator(ctx):
        return event
    if ctx.role != "organiser":
        return None
    return event if event.organisation_id in organisation_ids(ctx.session, ctx.participant) else None
