"""/faellesskaber (/communities): find a community or an offer nearby, three cards at a time.

Where: a municipality or postcode the person names, else their own (from onboarding); national offers
(phone lines, chats) come after the local ones. What: an area of the strategy and a target group, named in
the command ("/faellesskaber Aarhus fritid unge") or chosen with buttons. Each card says what it is, when it
next meets (from the schedule's RRULE), where, and how to get in touch; a meeting can go into a calendar
(.ics). The search's state travels in the buttons (`dir:s:<place>:<area>:<group>:<offset>`), so "more" works
after a restart and needs no flow. Entries not verified for 180 days are never shown (storage).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from dateutil.rrule import rrulestr
from icalendar import Calendar
from icalendar import Event as VEvent

from content.hsds import AREAS, TARGET_GROUPS
from content.i18n import format_when
from content.municipalities import load_municipalities, match_municipality
from engines.dates import TZ
from handlers.core.common import parse_action, stale
from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Button, Document, Intent, Reply
from handlers.directory_handoff import HANDOFF_FEATURE, start_handoff
from storage.directory_models import DirSchedule
from storage.directory_queries import Found, search, service, with_details

PAGE = 3
NONE = "-"
PRODID = "-//Samtale//Faellesskaber//DA"


def _place_name(place: str) -> str:
    if len(place) == 4:
        return place
    by_code = {f"{m.code:03d}": m.name for m in load_municipalities()}
    return by_code.get(place, place)


def _own_place(ctx: Ctx) -> str | None:
    found = match_municipality(ctx.participant.municipality) if ctx.participant and ctx.participant.municipality \
        else None
    return f"{found.code:03d}" if found else None


def _parse_args(ctx: Ctx) -> tuple[str | None, str | None, str | None, str | None]:
    """(place, area, group, what was not understood) from "/faellesskaber Aarhus fritid unge"."""
    place = area = group = None
    rest: list[str] = []
    for word in ctx.incoming.args:
        low = word.casefold()
        if low.isdigit() and len(low) == 4:
            place = low
        elif low in AREAS:
            area = low
        elif low in TARGET_GROUPS:
            group = low
        else:
            rest.append(word)
    if rest:
        found = match_municipality(" ".join(rest))
        if found is None:
            return None, area, group, " ".join(rest)
        place = f"{found.code:03d}"
    return place or _own_place(ctx), area, group, None


def next_meeting(schedules: list[DirSchedule], now: datetime) -> tuple[datetime, DirSchedule] | None:
    """The soonest coming start among a service's schedules (Copenhagen time), and which schedule it is."""
    best: tuple[datetime, DirSchedule] | None = None
    local_now = now.astimezone(TZ)
    for sc in schedules:
        if not sc.rrule:
            continue
        first_day = sc.dtstart or sc.valid_from or (local_now.date() - timedelta(days=1))
        start = datetime.combine(first_day, sc.opens_at or time(0), tzinfo=TZ)
        until = datetime.combine(sc.valid_to, time(23, 59), tzinfo=TZ) if sc.valid_to else None
        try:
            when = rrulestr(sc.rrule, dtstart=start).after(local_now, inc=True)
        except (ValueError, TypeError):
            continue  # a schedule the importer let through but dateutil cannot expand: show no time
        if when is not None and (until is None or when <= until) and (best is None or when < best[0]):
            best = (when, sc)
    return best


def _card(ctx: Ctx, found: Found) -> str:
    s = found.service
    lines = [f"*{s.name}* – {s.organisation.name}"]
    if s.description:
        lines.append(s.description)
    if s.eligibility:
        lines.append(ctx.t("directory.card.for", text=s.eligibility))
    meeting = next_meeting(found.schedules, ctx.now)
    if meeting is not None:
        when, sc = meeting
        until = f"–{sc.closes_at.strftime('%H:%M')}" if sc.closes_at else ""
        lines.append(ctx.t("directory.card.next", when=format_when(when, ctx.lang) + until))
    loc = found.location
    if loc is not None:
        where = ", ".join(p for p in (loc.name, loc.address_1, " ".join(filter(None, (loc.postal_code, loc.city))))
                          if p)
        lines.append(ctx.t("directory.card.where", where=where or _place_name(loc.municipality_code or "")))
        if loc.accessibility:
            lines.append(ctx.t("directory.card.accessibility", text=loc.accessibility))
    else:
        lines.append(ctx.t("directory.card.national"))
    contact = [*found.phones, *([s.url] if s.url else []), *([s.email] if s.email else [])]
    if contact:
        lines.append(ctx.t("directory.card.contact", how=" · ".join(contact)))
    if s.cost:
        lines.append(ctx.t("directory.card.cost", text=s.cost))
    return "\n".join(lines)


def _state(place: str | None, area: str | None, group: str | None) -> str:
    return f"{place or NONE}:{area or NONE}:{group or NONE}"


def _results(ctx: Ctx, place: str | None, area: str | None, group: str | None, offset: int) -> list[Intent]:
    municipality = place if place and len(place) == 3 else None
    postcode = place if place and len(place) == 4 else None
    found = search(ctx.session, today=ctx.now.astimezone(TZ).date(), municipality_code=municipality,
                   postcode=postcode, area=area, group=group)
    what = ", ".join(([ctx.t(f"directory.area.{area}")] if area else [])
                     + ([ctx.t(f"directory.group.{group}")] if group else []))
    where = _place_name(place) if place else ctx.t("directory.everywhere")
    heading = ctx.t("directory.heading", where=where) + (f" ({what})" if what else "")
    if not place:
        heading += "\n" + ctx.t("directory.no_place")
    state = _state(place, area, group)
    filters = (Button(ctx.t("directory.choose_area"), f"dir:a:{state}"),
               Button(ctx.t("directory.choose_group"), f"dir:g:{state}"))
    page = with_details(ctx.session, found[offset:offset + PAGE])
    if not page:
        return [Reply(heading + "\n\n" + ctx.t("directory.none" if offset == 0 else "directory.no_more"),
                      buttons=(filters,))]
    replies: list[Intent] = [Reply(heading)]
    for item in page:
        meeting = next_meeting(item.schedules, ctx.now)
        buttons = ((Button(ctx.t("directory.add_to_calendar"), f"dir:c:{meeting[1].id}"),),) if meeting else ()
        if item.service.accepts_referrals:
            buttons += ((Button(ctx.t("directory.handoff.button"), f"dir:h:{item.service.id}"),),)
        replies.append(Reply(_card(ctx, item), buttons=buttons))
    rows: list[tuple[Button, ...]] = []
    if offset + PAGE < len(found):
        rows.append((Button(ctx.t("directory.more", left=len(found) - offset - PAGE),
                            f"dir:s:{state}:{offset + PAGE}"),))
    rows.append(filters)
    replies.append(Reply(ctx.t("directory.shown", first=offset + 1, last=offset + len(page), total=len(found)),
                         buttons=tuple(rows)))
    return replies


async def communities_command(ctx: Ctx) -> list[Intent]:
    place, area, group, unknown = _parse_args(ctx)
    if unknown is not None:
        return [Reply(ctx.t("directory.unknown_place", name=unknown[:60]))]
    return _results(ctx, place, area, group, 0)


def _value(raw: str, allowed: tuple[str, ...] | None = None) -> str | None:
    if raw == NONE:
        return None
    if allowed is not None and raw not in allowed:
        raise ValueError(raw)
    return raw


def _choices(ctx: Ctx, kind: str, place: str | None, area: str | None, group: str | None) -> list[Intent]:
    options = AREAS if kind == "a" else TARGET_GROUPS
    label = "directory.area" if kind == "a" else "directory.group"
    rows = [(Button(ctx.t(f"{label}.{o}"), "dir:s:" + (_state(place, o, group) if kind == "a"
                                                    else _state(place, area, o)) + ":0"),) for o in options]
    rows.append((Button(ctx.t("directory.any"), "dir:s:" + (_state(place, None, group) if kind == "a"
                                                            else _state(place, area, None)) + ":0"),))
    return [Reply(ctx.t("directory.choose_area" if kind == "a" else "directory.choose_group"), buttons=tuple(rows))]


def _calendar(ctx: Ctx, schedule_id: str) -> list[Intent]:
    sc = ctx.session.get(DirSchedule, schedule_id)
    if sc is None or sc.service_id is None:
        return stale(ctx)
    svc = service(ctx.session, sc.service_id)
    meeting = next_meeting([sc], ctx.now)
    if svc is None or meeting is None:
        return stale(ctx)
    start = meeting[0]
    end = datetime.combine(start.date(), sc.closes_at, tzinfo=TZ) if sc.closes_at else start + timedelta(hours=1)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    event = VEvent()
    event.add("uid", f"dir-{sc.id}@samtale.directory")
    event.add("dtstamp", ctx.now.astimezone(timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("rrule", dict(part.split("=", 1) for part in sc.rrule.split(";")) if sc.rrule else {})
    event.add("summary", svc.name)
    event.add("description", "\n".join(filter(None, (svc.description, sc.description, svc.url))))
    cal.add_component(event)
    cal.add_missing_timezones()
    return [Document(f"samtale-{sc.id}.ics", cal.to_ical(), "text/calendar", svc.name)]


async def directory_action(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    try:
        kind = parts[1]
        if kind == "c" and len(parts) == 3:
            return _calendar(ctx, parts[2])
        if kind == "h" and len(parts) == 3:
            return await start_handoff(ctx, parts[2])
        place = _value(parts[2])
        if place is not None and not (place.isdigit() and len(place) in (3, 4)):
            raise ValueError(place)
        area, group = _value(parts[3], AREAS), _value(parts[4], TARGET_GROUPS)
        if kind in ("a", "g") and len(parts) == 5:
            return _choices(ctx, kind, place, area, group)
        if kind == "s" and len(parts) == 6 and parts[5].isdigit():
            return _results(ctx, place, area, group, int(parts[5]))
    except (IndexError, ValueError):
        pass
    return stale(ctx)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature.combine("directory", Feature(
    "directory",
    commands=(Command("faellesskaber", communities_command, "commands.faellesskaber"),
              Command("communities", communities_command, "commands.communities", listed=False)),
    actions={"dir": directory_action},
), HANDOFF_FEATURE)
