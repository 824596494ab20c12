"""The buttons on an event card: sign up (alone or with a friend), leave, calendar file, show, more.

Payloads are `ev:<op>:<event id>`: s sign up, s2 with a friend, w2 wait together, c leave (seat or line),
f bring a friend, nf come alone, i calendar (.ics), v show the card, m:<municipality code>:<offset> more;
y<op> yes to the sign-up consent, then <op>; no: not now.
Every press is safe to repeat: a second "Sign up" only says where the person stands.

A sign-up needs a yes to handling it, not the yes to keeping reflections: someone who said no at /start
(or never started) gets a short consent of its own, stored as a Consent with purpose "events".
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from handlers.core.common import may_sign_up, parse_action, stale
from handlers.core.context import Ctx, Feature
from engines.dates import say_when
from handlers.events import channels, ics, names, seats
from handlers.events.finding import more
from handlers.events.store import aware, parse_id
from handlers.events.seats import signup_of
from handlers.events.texts import card, card_buttons, join_link_for, share, tell_promoted
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from handlers.onboarding import ensure_participant
from storage.event_models import Event, EventReminder
from storage.models import Consent

PERSONAL = {"s", "s2", "w2", "c", "f", "nf"}
# Taking a seat keeps data about the person: only with consent. Leaving is always possible.
NEEDS_CONSENT = {"s", "s2", "w2", "f"}
# Pressed on the sign-up consent: "y" + the sign-up it was asked for, or not now.
AGREED = {f"y{op}": op for op in NEEDS_CONSENT}
DECLINED = "no"


def _when(ctx: Ctx, event: Event) -> str:
    return say_when(aware(event.starts_at), ctx.lang, ctx.now)


def _problem(ctx: Ctx, outcome: str) -> list[Intent] | None:
    if outcome == seats.NOT_FOUND:
        return [CloseButtons(), Reply(ctx.t("events.signup.not_found"))]
    if outcome == seats.CLOSED:
        return [CloseButtons(), Reply(ctx.t("events.signup.closed"))]
    if outcome == seats.STARTED:
        return [CloseButtons(), Reply(ctx.t("events.signup.started"))]
    return None


def _card_buttons(ctx: Ctx, change: seats.SeatChange):
    return card_buttons(ctx.session, change.event, ctx.lang, ctx.now, change.signup)  # type: ignore[arg-type]


def _join(ctx: Ctx, event_id: int, guests: int, wait_together: bool = False) -> list[Intent]:
    change = seats.sign_up(ctx.session, event_id, ctx.participant, ctx.now, config=ctx.services.events, guests=guests,  # type: ignore[arg-type]
                           wait_together=wait_together)
    problem = _problem(ctx, change.outcome)
    if problem:
        return problem
    event = change.event
    assert event is not None
    title, when = event.title, _when(ctx, event)
    if change.outcome == seats.ALREADY_IN:
        return [Reply(ctx.t("events.signup.already_in", title=title, when=when), _card_buttons(ctx, change),
                      personal=True)]
    if change.outcome == seats.ALREADY_WAITING:
        return [Reply(ctx.t("events.signup.already_waiting", title=title, position=change.position),
                      _card_buttons(ctx, change), personal=True)]
    if change.outcome == seats.ONLY_ONE_SEAT:
        return [Reply(ctx.t("events.signup.only_one_seat", title=title), buttons(
            [(ctx.t("events.btn.join_alone"), f"ev:s:{event.id}")],
            [(ctx.t("events.btn.wait_together"), f"ev:w2:{event.id}")]))]
    channels.mark_stale(ctx.session, event.id)
    if change.outcome == seats.WAITLISTED:
        key = "events.signup.waitlisted_friend" if change.signup.guests else "events.signup.waitlisted"  # type: ignore[union-attr]
        return [CloseButtons(), Reply(ctx.t(key, title=title, position=change.position), _card_buttons(ctx, change),
                                      personal=True)]
    text = ctx.t("events.signup.joined", title=title, when=when)
    if change.signup.guests:  # type: ignore[union-attr]
        text += "\n" + ctx.t("events.signup.joined_friend")
    link = join_link_for(event, change.signup)
    if link:
        text += "\n\n" + ctx.t("events.card.join_link", link=link)
    reminded = ctx.session.scalar(select(EventReminder.id).where(
        EventReminder.event_id == event.id, EventReminder.participant_id == ctx.participant.id,  # type: ignore[union-attr]
        EventReminder.sent_at.is_(None)).limit(1)) is not None
    text += "\n\n" + (ctx.t("events.signup.reminders") + " " if reminded else "") + ctx.t("events.signup.cant_come_hint")
    # Someone who just signed up is the likeliest to bring a friend: the confirmation can be passed on.
    # A sign-up confirmation shows what the person does: /forget deletes it from the chat (personal).
    out: list[Intent] = [CloseButtons(), Reply(text, _card_buttons(ctx, change), share=share(event, ctx.lang),
                                               personal=True),
                         replace(ics.document(event, ctx.lang, ctx.now, join_url=link), personal=True)]
    return out + names.maybe_ask(ctx)


def _leave(ctx: Ctx, event_id: int) -> list[Intent]:
    change = seats.leave(ctx.session, event_id, ctx.participant, ctx.now, ctx.services.events)  # type: ignore[arg-type]
    problem = _problem(ctx, change.outcome)
    if problem:
        return problem
    event = change.event
    assert event is not None
    if change.outcome == seats.NOT_SIGNED_UP:
        return [Reply(ctx.t("events.signup.not_signed_up", title=event.title))]
    tell_promoted(ctx.session, event, change.promoted, ctx.now)
    channels.mark_stale(ctx.session, event.id)
    again = [] if aware(event.starts_at) <= ctx.now or event.status != "open" else \
        [[(ctx.t("events.btn.join_again"), f"ev:s:{event.id}")]]
    return [CloseButtons(), Reply(ctx.t("events.signup.left", title=event.title), buttons(*again), personal=True)]


def _friend(ctx: Ctx, event_id: int, guests: int) -> list[Intent]:
    change = seats.set_guests(ctx.session, event_id, ctx.participant, guests, ctx.now, ctx.services.events)  # type: ignore[arg-type]
    problem = _problem(ctx, change.outcome)
    if problem:
        return problem
    event = change.event
    assert event is not None
    key = {seats.NOT_SIGNED_UP: "events.signup.not_signed_up", seats.NO_FRIENDS: "events.signup.no_friends",
           seats.NO_ROOM_FOR_FRIEND: "events.signup.no_room_for_friend", seats.UNCHANGED: "events.signup.unchanged",
           seats.FRIEND_ADDED: "events.signup.friend_added", seats.FRIEND_REMOVED: "events.signup.friend_removed"}
    if change.outcome in (seats.FRIEND_ADDED, seats.FRIEND_REMOVED):
        tell_promoted(ctx.session, event, change.promoted, ctx.now)
        channels.mark_stale(ctx.session, event.id)
    return [CloseButtons(), Reply(ctx.t(key[change.outcome], title=event.title),
                                  _card_buttons(ctx, change) if change.signup is not None else (), personal=True)]


def _ask_consent(ctx: Ctx, op: str, event_id: int) -> list[Intent]:
    event = ctx.session.get(Event, event_id)
    if event is None:
        return [Reply(ctx.t("events.signup.not_found"))]
    return [Reply(ctx.t("events.consent.ask", title=event.title), buttons(
        [(ctx.t("events.consent.yes"), f"ev:y{op}:{event_id}"), (ctx.t("events.consent.no"), f"ev:{DECLINED}:{event_id}")]))]


def _agree(ctx: Ctx, event_id: int) -> None:
    """Keep the yes to handling sign-ups, with the words it was given to (once is enough)."""
    p = ensure_participant(ctx)
    if may_sign_up(ctx):
        return
    event = ctx.session.get(Event, event_id)
    p.consents.append(Consent(purpose="events", granted=True, version=ctx.config.consent_version, language=ctx.lang,
                              text=ctx.t("events.consent.ask", title=event.title if event else ""), decided_at=ctx.now))


async def on_card_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) == 4 and parts[1] == "m":
        return more(ctx, parts[2], parts[3])
    if len(parts) == 3 and parts[1] == "n":
        return names.ask(ctx)
    if len(parts) != 3 or parse_id(parts[2]) is None:
        return stale(ctx)
    op, event_id = parts[1], parse_id(parts[2])
    assert event_id is not None
    if op == DECLINED:
        return [CloseButtons(), Reply(ctx.t("events.consent.declined"))]
    if op in AGREED:
        if ctx.incoming.chat_type != "private":
            return [Reply(ctx.t("events.signup.in_private"))]
        _agree(ctx, event_id)
        op = AGREED[op]
    if op in PERSONAL:
        if ctx.incoming.chat_type != "private":
            return [Reply(ctx.t("events.signup.in_private"))]
        if op in NEEDS_CONSENT and not may_sign_up(ctx):
            return _ask_consent(ctx, op, event_id)
        if ctx.participant is None:  # leaving, or coming alone, with nothing to leave
            event = ctx.session.get(Event, event_id)
            return [Reply(ctx.t("events.signup.not_signed_up", title=event.title) if event is not None
                          else ctx.t("events.signup.not_found"))]
    if op == "s":
        return _join(ctx, event_id, 0)
    if op == "s2":
        return _join(ctx, event_id, 1)
    if op == "w2":
        return _join(ctx, event_id, 1, wait_together=True)
    if op == "c":
        return _leave(ctx, event_id)
    if op in ("f", "nf"):
        return _friend(ctx, event_id, 1 if op == "f" else 0)
    event = ctx.session.get(Event, event_id)
    if event is None:
        return [Reply(ctx.t("events.signup.not_found"))]
    if op == "i":
        # Only a confirmed seat, asked for in private, gets the join link (the payload can be typed by anyone).
        mine = signup_of(ctx.session, event.id, ctx.participant.id) \
            if ctx.participant is not None and ctx.participant.id and ctx.incoming.chat_type == "private" else None
        return [ics.document(event, ctx.lang, ctx.now, join_url=join_link_for(event, mine))]
    if op == "v":
        # In a group the card must not say whether this person is coming.
        person = ctx.participant if ctx.incoming.chat_type == "private" else None
        return [card(ctx.session, event, ctx.lang, ctx.now, person)]
    return stale(ctx)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "signup",
    actions={"ev": on_card_button},
)
