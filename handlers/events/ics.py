"""An event as an .ics file (RFC 5545, via icalendar): the same UID every time, so calendars update it.

DTSTART/DTEND carry TZID=Europe/Copenhagen with the matching VTIMEZONE, so the time stays right in any
calendar, also across the change to and from summer time. SEQUENCE is the event's revision: a moved
event replaces the old entry instead of adding a second one. An online event's join link is written
(URL and LOCATION) only into the file of someone with a confirmed seat.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Alarm, Calendar
from icalendar import Event as VEvent

from content.i18n import t
from engines.dates import TZ
from handlers.events.joinlink import looks_like_link
from handlers.events.store import aware, payload_for
from handlers.core.types import Document
from storage.event_models import OPEN, Event

PRODID = "-//Samtale//Lokale arrangementer//DA"
UID_DOMAIN = "samtale.events"


def uid(event: Event) -> str:
    return f"event-{event.id}@{UID_DOMAIN}"


def calendar_bytes(event: Event, lang: str, now: datetime, *, join_url: str | None = None) -> bytes:
    """The event's calendar file; `join_url` only for someone with a confirmed seat (URL and LOCATION)."""
    start = aware(event.starts_at).astimezone(TZ)
    end = start + timedelta(minutes=event.duration_minutes)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    vevent = VEvent()
    vevent.add("uid", uid(event))
    vevent.add("dtstamp", now.astimezone(timezone.utc))
    vevent.add("dtstart", start)
    vevent.add("dtend", end.astimezone(TZ))
    vevent.add("sequence", event.revision)
    vevent.add("summary", event.title)
    details = [event.description] if event.description else []
    details.append(t(lang, "events.ics.organiser", organisation=event.organisation.name))
    if event.accessibility:
        details.append(t(lang, "events.card.accessibility", text=event.accessibility))
    # A calendar is read away from the chat: say how to get back to the event there.
    details.append(t(lang, "events.ics.open", payload=payload_for(event.id)))
    vevent.add("description", "\n".join(details))
    if join_url:
        # URL is the standard place; LOCATION too, since most calendars show and link only that.
        vevent.add("url", join_url)
        vevent.add("location", join_url)
    else:
        place = "Online" if event.online and looks_like_link(event.place) else event.place
        vevent.add("location", place if event.online else f"{place}, {event.municipality}")
    vevent.add("status", "CONFIRMED" if event.status == OPEN else "CANCELLED")
    vevent.add("transp", "OPAQUE")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title)
    alarm.add("trigger", timedelta(hours=-2))
    vevent.add_component(alarm)
    cal.add_component(vevent)
    cal.add_missing_timezones(first_date=(start - timedelta(days=400)).date(),
                              last_date=(end + timedelta(days=400)).date())
    return cal.to_ical()


def filename(event: Event) -> str:
    return f"samtale-arrangement-{event.id}.ics"


def document(event: Event, lang: str, now: datetime, *, join_url: str | None = None) -> Document:
    return Document(filename(event), calendar_bytes(event, lang, now, join_url=join_url), "text/calendar",
                    t(lang, "events.ics.caption", title=event.title))
