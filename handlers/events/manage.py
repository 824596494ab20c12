"""Organiser tools: counts and waitlist, the attendee list, moving, changing place, seats or wording, cancelling.

Buttons `evo:<op>:<event id>` (a attendees, t time, p place, k capacity, x cancel, n title, d description)
open a short flow `eve` that asks for the new value and — for what everyone signed up will hear about —
confirms first.
Every step re-checks that the person may manage this event: an organiser of another organisation, or a
citizen with a hand-made payload, is told the event cannot be found, exactly as for a missing one.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from handlers.core.common import flow_token_ok, parse_action, stale
from handlers.core.context import Ctx, Feature
from engines.dates import parse_move, say_when
from handlers.events import channels, reminders, seats
from handlers.events import joinlink
from handlers.events.newevent import DESC_MAX, capacity_problem, clean_title, desc_problem, title_problem
from handlers.events.rights import manageable
from handlers.events.store import attendees, aware, flow_is_old, organisation_ids, people_signed_up
from handlers.events.texts import card, seats_line, tell_cancelled, tell_changed, tell_promoted
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from storage.event_models import CANCELLED, CONFIRMED, OPEN, WAITING, Event

FLOW = "eve"
NOTE_MAX = 500
# An edit question left this long is put aside; later text is not its answer.
ANSWER_WITHIN = timedelta(hours=1)
NO_LIMIT = {"ingen", "ingen grænse", "ubegrænset", "none", "no limit", "unlimited", "-"}


def _not_found(ctx: Ctx) -> list[Intent]:
    return [CloseButtons(), Reply(ctx.t("events.manage.not_found"))]


def overview(ctx: Ctx) -> list[Intent]:
    """/myevents for organisers: each upcoming event of their organisations, with counts and tools."""
    orgs = organisation_ids(ctx.session, ctx.participant)
    if not orgs:
        return []
    events = ctx.session.scalars(select(Event).where(Event.organisation_id.in_(orgs), Event.status == OPEN,
                                                     Event.starts_at > ctx.now.astimezone(timezone.utc))
                                 .order_by(Event.starts_at, Event.id).limit(20)).all()
    if not events:
        return [Reply(ctx.t("events.manage.none_yet"))]
    out: list[Intent] = [Reply(ctx.t("events.manage.header"))]
    for event in events:
        taken, waiting = seats.seats_taken(ctx.session, event.id), seats.waiting_count(ctx.session, event.id)
        text = ctx.t("events.manage.line", title=event.title, when=say_when(aware(event.starts_at), ctx.lang, ctx.now),
                     organisation=event.organisation.name, seats=seats_line(ctx.lang, event, taken, waiting))
        e = event.id
        out.append(Reply(text, buttons(
            [(ctx.t("events.manage.btn_attendees"), f"evo:a:{e}"), (ctx.t("events.manage.btn_time"), f"evo:t:{e}"),
             (ctx.t("events.manage.btn_place"), f"evo:p:{e}")],
            [(ctx.t("events.manage.btn_title"), f"evo:n:{e}"), (ctx.t("events.manage.btn_desc"), f"evo:d:{e}")],
            [(ctx.t("events.manage.btn_capacity"), f"evo:k:{e}"), (ctx.t("events.manage.btn_cancel"), f"evo:x:{e}")])))
    return out


def attendee_list(ctx: Ctx, event: Event) -> Reply:
    """Chosen names only (or "Deltager uden navn"), never a platform id."""
    def lines(status: str) -> list[str]:
        out = []
        for i, (signup, name) in enumerate(attendees(ctx.session, event.id, status), 1):
            shown = name or ctx.t("events.manage.no_name")
            out.append(ctx.t("events.manage.attendee_friend" if signup.guests else "events.manage.attendee",
                             number=i, name=shown))
        return out

    taken, waiting = seats.seats_taken(ctx.session, event.id), seats.waiting_count(ctx.session, event.id)
    text = [ctx.t("events.manage.attendees_header", title=event.title,
                  seats=seats_line(ctx.lang, event, taken, waiting))]
    coming = lines(CONFIRMED)
    text += coming or [ctx.t("events.manage.nobody_yet")]
    line = lines(WAITING)
    if line:
        text += ["", ctx.t("events.manage.waitlist_header")] + line
    return Reply("\n".join(text))


def _ask(ctx: Ctx, step: str, event: Event, error: str | None = None) -> list[Intent]:
    token = ctx.flow.token  # type: ignore[union-attr]
    ctx.set_step(step)
    b = lambda v: f"{FLOW}:{token}:{step}:{v}"  # noqa: E731
    never = (ctx.t("events.manage.never_mind"), b("n"))
    data = ctx.flow.data  # type: ignore[union-attr]
    count = len(people_signed_up(ctx.session, event.id))
    # "Den ene, der er tilmeldt", never "De 1, der er tilmeldt".
    people = ctx.t("events.manage.people_many", count=count) if count > 1 \
        else ctx.t("events.manage.people_one" if count == 1 else "events.manage.people_none")
    if step == "time":
        text, rows = ctx.t("events.manage.ask_time", title=event.title,
                           when=say_when(aware(event.starts_at), ctx.lang, ctx.now)), [[never]]
    elif step == "time_ok":
        text = ctx.t("events.manage.confirm_time", title=event.title,
                     when=say_when(datetime.fromisoformat(data["start"]), ctx.lang, ctx.now), people=people)
        rows = [[(ctx.t("events.manage.yes_move"), b("y")), never]]
    elif step == "place":
        text, rows = ctx.t("events.manage.ask_place", title=event.title, place=event.place), [[never]]
    elif step == "place_ok":
        text = ctx.t("events.manage.confirm_place", title=event.title, place=data["place"], people=people)
        rows = [[(ctx.t("events.manage.yes_place"), b("y")), never]]
    elif step == "cap":
        taken = seats.seats_taken(ctx.session, event.id)
        text = ctx.t("events.manage.ask_capacity", title=event.title, taken=taken, max=ctx.services.events.max_capacity,
                     capacity=event.capacity if event.capacity is not None else ctx.t("events.new.no_limit"))
        rows = [[(ctx.t("events.new.no_limit"), b("-")), never]]
    elif step == "title":
        text, rows = ctx.t("events.manage.ask_title", title=event.title), [[never]]
    elif step == "desc":
        text = ctx.t("events.manage.ask_desc", title=event.title, max=DESC_MAX,
                     description=event.description or ctx.t("events.new.none"))
        rows = [[(ctx.t("events.manage.remove_desc"), b("-"))], [never]] if event.description else [[never]]
    elif step == "cancel":
        text = ctx.t("events.manage.ask_cancel", title=event.title, people=people)
        rows = [[(ctx.t("events.manage.cancel_without_note"), b("-"))], [never]]
    else:  # cancel_ok
        note = data.get("note") or ""
        text = ctx.t("events.manage.confirm_cancel_note" if note else "events.manage.confirm_cancel",
                     title=event.title, count=count, note=note)
        rows = [[(ctx.t("events.manage.yes_cancel"), b("y")), never]]
    if error:
        text = f"{error}\n\n{text}"
    # Every step here also takes a typed answer (a time, a place, a capacity, words, a note).
    return [Reply(text, buttons(*rows), expects_text=True)]


async def on_tool(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 3 or parts[1] not in ("a", "t", "p", "k", "x", "n", "d"):
        return stale(ctx)
    event = manageable(ctx, parts[2])
    if event is None:
        return _not_found(ctx)
    if parts[1] == "a":
        return [attendee_list(ctx, event)]
    if event.status != OPEN or aware(event.starts_at) <= ctx.now:
        return [Reply(ctx.t("events.manage.too_late"))]
    step = {"t": "time", "p": "place", "k": "cap", "x": "cancel", "n": "title", "d": "desc"}[parts[1]]
    ctx.start_flow(FLOW, step, {"event": event.id})
    return _ask(ctx, step, event)


def _flow_event(ctx: Ctx) -> Event | None:
    event = manageable(ctx, int(ctx.flow.data.get("event", 0)))  # type: ignore[union-attr]
    if event is None or event.status != OPEN or aware(event.starts_at) <= ctx.now:
        return None
    return event


def _apply(ctx: Ctx, step: str) -> list[Intent]:
    data = dict(ctx.flow.data)  # type: ignore[union-attr]
    event = seats.lock_event(ctx.session, data["event"])  # serialises with sign-ups and other edits
    if event is None or _flow_event(ctx) is None:
        ctx.end_flow()
        return _not_found(ctx)
    ctx.end_flow()
    if step == "time_ok":
        before = aware(event.starts_at)
        new = datetime.fromisoformat(data["start"])
        if new <= ctx.now:
            return [CloseButtons(), Reply(ctx.t("dates.error.past"))]
        event.starts_at, event.revision, event.updated_at = new.astimezone(timezone.utc), event.revision + 1, ctx.now
        ctx.session.flush()
        reminders.reschedule(ctx.session, event, ctx.now, ctx.services.events)
        told = tell_changed(ctx.session, event, "time", before, ctx.now)
        key = "events.manage.moved"
    elif step == "place_ok":
        before = event.place
        event.place, event.revision, event.updated_at = data["place"], event.revision + 1, ctx.now
        event.online = data.get("online", False)
        event.join_url = (data.get("link") or event.join_url) if event.online else None
        ctx.session.flush()
        told = tell_changed(ctx.session, event, "place", before, ctx.now)
        key = "events.manage.place_changed"
    else:
        told = cancel_event(ctx.session, event, data.get("note", ""), ctx.now)  # marks the channel posts itself
        key = "events.manage.cancelled"
    if step in ("time_ok", "place_ok"):
        channels.mark_stale(ctx.session, event.id)
    return [CloseButtons(), Reply(ctx.t(key, title=event.title, count=told))]


def _reword(ctx: Ctx, step: str, value: str) -> list[Intent]:
    """A new title or description, saved at once: nobody signed up is told, unlike for time or place.

    The words change nothing anyone planned around, and a notice for every typo fixed would teach people
    to skip notices; their cards, reminders and the channel posts show the new words from now on.
    """
    event = seats.lock_event(ctx.session, ctx.flow.data["event"])  # type: ignore[union-attr]
    if event is None or _flow_event(ctx) is None:
        ctx.end_flow()
        return _not_found(ctx)
    ctx.end_flow()
    if step == "title":
        event.title = value
    else:
        event.description = value
    # SEQUENCE of a calendar file made from now on: it replaces one with the old words.
    event.revision, event.updated_at = event.revision + 1, ctx.now
    ctx.session.flush()
    channels.mark_stale(ctx.session, event.id)
    done = ctx.t("events.manage.title_changed" if step == "title" else "events.manage.desc_changed", title=event.title)
    return [CloseButtons(), Reply(done), card(ctx.session, event, ctx.lang, ctx.now, ctx.participant)]


def cancel_event(session, event: Event, note: str, now: datetime) -> int:
    """Cancel a locked event: no more reminders, everyone signed up or waiting is told. Returns how many."""
    event.status, event.cancel_note, event.updated_at = CANCELLED, note[:NOTE_MAX], now
    session.flush()
    reminders.clear(session, event.id)
    channels.mark_stale(session, event.id)
    return tell_cancelled(session, event, now)


def _capacity(ctx: Ctx, raw: str | None) -> list[Intent]:
    event = _flow_event(ctx)
    if event is None:
        ctx.end_flow()
        return _not_found(ctx)
    if raw is None:
        capacity = None
    else:
        capacity, problem = capacity_problem(raw, ctx.services.events.max_capacity)
        if problem:
            return _ask(ctx, "cap", event, ctx.t(f"events.new.error.{problem[0]}", **problem[1]))
    change = seats.set_capacity(ctx.session, event.id, capacity, ctx.now, ctx.services.events)
    if change.outcome == seats.CAPACITY_TOO_LOW:
        return _ask(ctx, "cap", event, ctx.t("events.manage.capacity_too_low", taken=change.taken))
    ctx.end_flow()
    tell_promoted(ctx.session, event, change.promoted, ctx.now)
    channels.mark_stale(ctx.session, event.id)
    shown = str(capacity) if capacity is not None else ctx.t("events.new.no_limit")
    return [CloseButtons(), Reply(ctx.t("events.manage.capacity_set", title=event.title, capacity=shown,
                                        promoted=len(change.promoted)))]


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 4 or not flow_token_ok(ctx, FLOW, parts[1]) or ctx.flow.step != parts[2]:  # type: ignore[union-attr]
        return stale(ctx)
    step, value = parts[2], parts[3]
    if value == "n":
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("events.manage.nothing_changed"))]
    event = _flow_event(ctx)
    if event is None:
        ctx.end_flow()
        return _not_found(ctx)
    if step in ("time_ok", "place_ok", "cancel_ok") and value == "y":
        return _apply(ctx, step)
    if step == "cap" and value == "-":
        return _capacity(ctx, None)
    if step == "desc" and value == "-":
        return _reword(ctx, "desc", "")
    if step == "cancel" and value == "-":
        ctx.set_step("cancel", note="")
        return [CloseButtons(), *_ask(ctx, "cancel_ok", event)]
    return stale(ctx)


async def on_text(ctx: Ctx) -> list[Intent]:
    if flow_is_old(ctx.flow, ctx.now, ANSWER_WITHIN):
        from handlers.reflections import store_reflection

        ctx.end_flow()
        return [Reply(ctx.t("events.manage.expired")), *store_reflection(ctx)]
    event = _flow_event(ctx)
    if event is None:
        ctx.end_flow()
        return _not_found(ctx)
    step, text = ctx.flow.step, (ctx.incoming.text or "").strip()  # type: ignore[union-attr]
    if step in ("time", "time_ok"):
        # The date is known, so "kl 11" (the same day) and "en time senere" are enough.
        when = parse_move(text, aware(event.starts_at), ctx.now)
        if not when.ok:
            return _ask(ctx, "time", event, f"{ctx.t('dates.error.' + when.error)}\n{ctx.t('dates.examples')}")
        ctx.set_step("time", start=when.moment.isoformat())  # type: ignore[union-attr]
        return [CloseButtons(), *_ask(ctx, "time_ok", event)]
    if step in ("place", "place_ok"):
        place = " ".join(text.split())
        if len(place) < 3:
            return _ask(ctx, "place", event, ctx.t("events.new.error.place_short"))
        if len(place) > 200:
            return _ask(ctx, "place", event, ctx.t("events.new.error.place_long", max=200, length=len(place)))
        place, link = joinlink.place_and_link(place)  # a join link is kept apart from the public place
        if link is not None:
            link, problem = joinlink.join_link_problem(link)
            if problem:
                return _ask(ctx, "place", event, ctx.t(f"events.new.error.{problem[0]}", **problem[1]))
        online = link is not None or place.casefold().startswith("online")
        ctx.set_step("place", place=place, online=online, link=link)
        return [CloseButtons(), *_ask(ctx, "place_ok", event)]
    if step == "cap":
        return _capacity(ctx, None if " ".join(text.split()).casefold() in NO_LIMIT else text)
    if step in ("title", "desc"):
        value = clean_title(text) if step == "title" else text
        problem = title_problem(value) if step == "title" else desc_problem(value)
        if problem:
            return _ask(ctx, step, event, ctx.t(f"events.new.error.{problem[0]}", **problem[1]))
        return _reword(ctx, step, value)
    if step in ("cancel", "cancel_ok"):
        if len(text) > NOTE_MAX:
            return _ask(ctx, "cancel", event, ctx.t("events.manage.note_long", max=NOTE_MAX, length=len(text)))
        ctx.set_step("cancel", note=text)
        return [CloseButtons(), *_ask(ctx, "cancel_ok", event)]
    return stale(ctx)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "manage",
    actions={"evo": on_tool, FLOW: on_button},
    text_steps={FLOW: on_text},
)
