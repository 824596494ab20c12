"""What people read about an event: its card (private and count-only public), and the notices they get."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from content.i18n import t
from engines.dates import say_span, say_when
from handlers.events import notify
from handlers.events.joinlink import looks_like_link
from handlers.events.seats import free_seats, position, seats_taken, signup_of, waiting_count
from handlers.events.store import aware, payload_for, people_signed_up
from handlers.core.types import Reply, Share, buttons
from storage.event_models import CONFIRMED, OPEN, WAITING, Event, EventReminder, Signup
from storage.models import Participant

AUDIENCES = ("all", "children", "young", "adults", "older")
# Notices about an event further away than this wait for morning if they are written at night.
CAN_WAIT = timedelta(hours=12)
LIST_DESCRIPTION = 160


def lang_of(person: Participant | None) -> str:
    return (person.language if person is not None else None) or "da"


def audience_label(lang: str, code: str) -> str:
    return t(lang, f"events.audience.{code}") if code in AUDIENCES else code


def language_label(lang: str, code: str) -> str:
    return t(lang, f"events.language.{code}") if code in ("da", "en", "da+en") else code


def seats_line(lang: str, event: Event, taken: int, waiting: int) -> str:
    if event.capacity is None:
        return t(lang, "events.card.count_open", count=taken)
    if taken >= event.capacity:
        return t(lang, "events.card.full", capacity=event.capacity, waiting=waiting)
    line = t(lang, "events.card.count", taken=taken, capacity=event.capacity, free=event.capacity - taken)
    return line + (t(lang, "events.card.waiting_too", waiting=waiting) if waiting else "")


def status_line(lang: str, signup: Signup | None, position: int | None) -> str:
    if signup is None or signup.status not in (CONFIRMED, WAITING):
        return ""
    if signup.status == CONFIRMED:
        return t(lang, "events.card.you_with_friend" if signup.guests else "events.card.you_in")
    return t(lang, "events.card.you_waiting", position=position or 1)


def place_line(lang: str, event: Event) -> str:
    """'📍 Bibliotek, Vejle' – but never 'Vejle, Vejle' when the place already names the town."""
    if event.online:
        # An event made before join links were kept apart may have its link as the place: never shown.
        return t(lang, "events.card.online", place="Online" if looks_like_link(event.place) else event.place)
    named = event.municipality and re.search(rf"\b{re.escape(event.municipality)}\b", event.place, re.IGNORECASE)
    if not event.municipality or named:
        return t(lang, "events.card.place_only", place=event.place)
    return t(lang, "events.card.place", place=event.place, municipality=event.municipality)


def card_text(session: Session, event: Event, lang: str, now: datetime, *, signup: Signup | None = None,
              full: bool = True, public: bool = False) -> str:
    lines = [f"{t(lang, 'events.card.title_mark')} {event.title}",
             f"{t(lang, 'events.card.when_mark')} {say_span(aware(event.starts_at), event.duration_minutes, lang, now)}",
             place_line(lang, event),
             t(lang, "events.card.meta", organisation=event.organisation.name,
               audience=audience_label(lang, event.audience), language=language_label(lang, event.language))]
    if event.accessibility:
        lines.append(t(lang, "events.card.accessibility", text=event.accessibility))
    if event.plus_one:
        lines.append(t(lang, "events.card.plus_one"))
    if event.description:
        text = event.description
        if not full and len(text) > LIST_DESCRIPTION:
            text = text[:LIST_DESCRIPTION].rsplit(" ", 1)[0] + " …"
        lines.append("")
        lines.append(text)
    lines.append("")
    if event.status != OPEN:
        lines.append(t(lang, "events.card.cancelled"))
    elif aware(event.starts_at) <= now:
        lines.append(t(lang, "events.card.started"))
    else:
        lines.append(seats_line(lang, event, seats_taken(session, event.id), waiting_count(session, event.id)))
    if not public:
        mine = status_line(lang, signup, position(session, signup) if signup is not None else None)
        if mine:
            lines.append(mine)
        link = join_link_for(event, signup)
        if link:
            lines.append(t(lang, "events.card.join_link", link=link))
    return "\n".join(lines)


def join_link_for(event: Event, signup: Signup | None) -> str | None:
    """The join link, for a confirmed seat at an online event only (public cards never call this)."""
    ok = event.online and event.join_url and signup is not None and signup.status == CONFIRMED
    return event.join_url if ok else None


def card_buttons(session: Session, event: Event, lang: str, now: datetime, signup: Signup | None):
    if event.status != OPEN or aware(event.starts_at) <= now:
        return ()
    e = event.id
    if signup is not None and signup.status == CONFIRMED:
        rows = [[(t(lang, "events.btn.leave"), f"ev:c:{e}"), (t(lang, "events.btn.calendar"), f"ev:i:{e}")]]
        if event.plus_one:
            rows.append([(t(lang, "events.btn.alone"), f"ev:nf:{e}") if signup.guests
                         else (t(lang, "events.btn.add_friend"), f"ev:f:{e}")])
        return buttons(*rows)
    if signup is not None and signup.status == WAITING:
        return buttons([(t(lang, "events.btn.leave_waitlist"), f"ev:c:{e}")])
    full = free_seats(session, event) == 0
    rows = [[(t(lang, "events.btn.waitlist" if full else "events.btn.join"), f"ev:s:{e}")]]
    if event.plus_one:
        rows[0].append((t(lang, "events.btn.waitlist_friend" if full else "events.btn.join_friend"), f"ev:s2:{e}"))
    return buttons(*rows)


def card(session: Session, event: Event, lang: str, now: datetime, person: Participant | None, *,
         full: bool = True) -> Reply:
    signup = signup_of(session, event.id, person.id) if person is not None and person.id else None
    # Only an event one can still join is worth passing on; the adapter turns the payload into a link.
    open_ = event.status == OPEN and aware(event.starts_at) > now
    return Reply(card_text(session, event, lang, now, signup=signup, full=full),
                 card_buttons(session, event, lang, now, signup), share=share(event, lang) if open_ else None)


def share(event: Event, lang: str) -> Share:
    """The event as an invitation others can follow; each adapter offers it in its own way."""
    payload = payload_for(event.id)
    return Share(payload, t(lang, "events.share.button"), t(lang, "events.share.text", title=event.title),
                 t(lang, "events.share.hint", payload=payload))


def public_card(session: Session, event: Event, lang: str, now: datetime) -> str:
    """For public channels: counts only, never a name."""
    return card_text(session, event, lang, now, public=True)


# ------------------------------------------------------------------------------------ notices

def _can_wait(event: Event, now: datetime) -> bool:
    return aware(event.starts_at) - now > CAN_WAIT


def tell_promoted(session: Session, event: Event, promoted: list[Signup], now: datetime) -> None:
    for signup in promoted:
        person = session.get(Participant, signup.participant_id)
        if person is None:
            continue
        lang = lang_of(person)
        text = t(lang, "events.notice.promoted", title=event.title,
                 when=say_when(aware(event.starts_at), lang, now), place=event.place)
        if signup.guests:
            text += "\n" + t(lang, "events.notice.promoted_friend")
        reply = Reply(text, buttons([(t(lang, "events.btn.calendar"), f"ev:i:{event.id}"),
                                     (t(lang, "events.btn.cant_come"), f"ev:c:{event.id}")]))
        notify.notify(session, person, notify.PROMOTED, f"{event.id}:{signup.queue_no}", reply, now,
                      quiet=_can_wait(event, now), urgent=True)


def tell_changed(session: Session, event: Event, what: str, before: datetime | str, now: datetime) -> int:
    """Everyone with a seat or in line hears what changed: what="time" (before: the old start) or "place"."""
    told = 0
    for signup, person in people_signed_up(session, event.id):
        lang = lang_of(person)
        if what == "time":
            text = t(lang, "events.notice.moved", title=event.title,
                     before=say_when(aware(before), lang, now),  # type: ignore[arg-type]
                     when=say_when(aware(event.starts_at), lang, now))
        else:
            text = t(lang, "events.notice.new_place", title=event.title, before=before, place=event.place)
        rows = [[(t(lang, "events.btn.show"), f"ev:v:{event.id}")]]
        if signup.status == CONFIRMED:
            rows[0].append((t(lang, "events.btn.calendar"), f"ev:i:{event.id}"))
        rows.append([(t(lang, "events.btn.cant_come"), f"ev:c:{event.id}")])
        told += notify.notify(session, person, notify.CHANGED, f"{event.id}:{what}:r{event.revision}",
                              Reply(text, buttons(*rows)), now, quiet=_can_wait(event, now))
    return told


def tell_cancelled(session: Session, event: Event, now: datetime) -> int:
    told = 0
    for _, person in people_signed_up(session, event.id):
        lang = lang_of(person)
        text = t(lang, "events.notice.cancelled", title=event.title,
                 when=say_when(aware(event.starts_at), lang, now), organisation=event.organisation.name)
        if event.cancel_note:
            text += "\n\n" + t(lang, "events.notice.cancel_note", note=event.cancel_note)
        text += "\n\n" + t(lang, "events.notice.cancelled_after")
        told += notify.notify(session, person, notify.CANCELLED, str(event.id),
                              Reply(text, buttons([(t(lang, "events.btn.other_events"), "ev:m:-:0")])), now,
                              quiet=_can_wait(event, now))
    return told


def send_reminder(session: Session, event: Event, signup: Signup, row: EventReminder, now: datetime) -> bool:
    person = session.get(Participant, signup.participant_id)
    if person is None:
        return False
    lang = lang_of(person)
    place = place_line(lang, event)
    text = t(lang, "events.notice.reminder", title=event.title,
             when=say_when(aware(event.starts_at), lang, now), place=place)
    if signup.guests:
        text += "\n" + t(lang, "events.notice.reminder_friend")
    link = join_link_for(event, signup)
    if link:
        text += "\n" + t(lang, "events.card.join_link", link=link)
    reply = Reply(text, buttons([(t(lang, "events.btn.show"), f"ev:v:{event.id}"),
                                 (t(lang, "events.btn.cant_come"), f"ev:c:{event.id}")]))
    return notify.notify(session, person, notify.REMINDER,
                         f"{event.id}:{row.kind}:{int(aware(event.starts_at).timestamp())}", reply, now)
