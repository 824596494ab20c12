"""What the events feature holds about one person, for /mydata (GDPR art. 15).

`personal_data(session, participant)` returns a JSON-ready dict: sign-ups (event, time, status, friend,
place in line), the display name chosen for attendee lists, organiser memberships, pending reminders.
/forget removes all of it (ON DELETE CASCADE); see storage/event_models.py.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.context import Feature
from handlers.events.seats import position
from handlers.events.store import aware
from storage.event_models import EventProfile, EventReminder, OrganiserMembership, Signup
from storage.models import Participant


def personal_data(session: Session, participant: Participant) -> dict:
    profile = session.get(EventProfile, participant.id)
    signups = session.scalars(select(Signup).where(Signup.participant_id == participant.id)
                              .order_by(Signup.id)).all()
    reminders = session.scalars(select(EventReminder).where(EventReminder.participant_id == participant.id,
                                                            EventReminder.sent_at.is_(None))
                                .order_by(EventReminder.due_at)).all()
    organising = session.scalars(select(OrganiserMembership)
                                 .where(OrganiserMembership.participant_id == participant.id)).all()
    return {
        "display_name": profile.display_name if profile is not None else None,
        "signups": [{"event_id": s.event_id, "title": s.event.title,
                     "starts_at": aware(s.event.starts_at).isoformat(), "status": s.status,
                     "friend": bool(s.guests), "waitlist_position": position(session, s),
                     "signed_up_at": aware(s.created_at).isoformat()} for s in signups],
        "reminders_pending": [{"event_id": r.event_id, "kind": r.kind, "due_at": aware(r.due_at).isoformat()}
                              for r in reminders],
        "organiser_for": [{"organisation": m.organisation.name, "since": aware(m.granted_at).isoformat()}
                          for m in organising],
    }


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "personal",
    personal_data={"events": personal_data},
)
