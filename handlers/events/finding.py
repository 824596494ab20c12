"""Finding events: /events [municipality], paging, and the deep link `/start ev_<id>` to one event's card.

The deep link is handled here, in front of onboarding: someone already taking part sees the card at
once; someone new sees the card, then the consent question — and when onboarding is done, the card
again, with its Sign up button. (Onboarding keeps the start payload in its flow data as "payload".)
"""
from __future__ import annotations

from content.municipalities import load_municipalities, match_municipality, suggest_municipalities
from handlers.core.common import parse_int
from handlers import onboarding
from handlers.core.context import Command, Ctx, Feature, Handler
from handlers.events.store import event_from_payload, upcoming
from handlers.events.texts import card
from handlers.core.types import Intent, Reply, buttons
from storage.event_models import OPEN, Event


def municipality_code(name: str) -> str:
    found = next((m for m in load_municipalities() if m.name == name), None)
    return str(found.code) if found else "-"


def municipality_name(code: str) -> str | None:
    found = next((m for m in load_municipalities() if str(m.code) == code), None)
    return found.name if found else None


def listing(ctx: Ctx, municipality: str, offset: int = 0) -> list[Intent]:
    size = ctx.services.events.page_size
    found = upcoming(ctx.session, ctx.now, municipality=municipality, offset=offset, limit=size + 1)
    if not found:
        key = "events.find.none" if offset == 0 else "events.find.no_more"
        return [Reply(ctx.t(key, municipality=municipality))]
    shown, more = found[:size], len(found) > size
    out: list[Intent] = []
    if offset == 0:
        out.append(Reply(ctx.t("events.find.header", municipality=municipality)))
    out += [card(ctx.session, e, ctx.lang, ctx.now, ctx.participant, full=False) for e in shown]
    if more:
        out.append(Reply(ctx.t("events.find.more_text"), buttons(
            [(ctx.t("events.btn.more"), f"ev:m:{municipality_code(municipality)}:{offset + size}")])))
    return out


async def events_command(ctx: Ctx) -> list[Intent]:
    typed = " ".join(ctx.incoming.args).strip()
    if typed:
        found = match_municipality(typed[:100])
        if found is None:
            options = suggest_municipalities(typed[:100], limit=3)
            shown = typed[:40]
            if options:
                return [Reply(ctx.t("events.find.suggest", text=shown),
                              buttons(*[[(m.name, f"ev:m:{m.code}:0")] for m in options]))]
            return [Reply(ctx.t("events.find.unknown", text=shown))]
        return listing(ctx, found.name)
    own = ctx.participant.municipality if ctx.participant is not None else None
    if own is None:
        return [Reply(ctx.t("events.find.which"))]
    return listing(ctx, own)


def more(ctx: Ctx, code: str, raw_offset: str) -> list[Intent]:
    """The `ev:m:<code>:<offset>` button ("-": the person's own municipality)."""
    name = municipality_name(code) if code != "-" else (ctx.participant.municipality if ctx.participant else None)
    offset = parse_int(raw_offset, maximum=9999) or 0
    if name is None:
        return [Reply(ctx.t("events.find.which"))]
    return listing(ctx, name, offset)


# ------------------------------------------------------------------------------------ deep link

def _event_for_payload(ctx: Ctx, payload: str) -> Event | None:
    event_id = event_from_payload(payload)
    return ctx.session.get(Event, event_id) if event_id is not None else None


def with_event_link(start: Handler) -> Handler:
    """/start ev_<id> (a shared event link) shows the event, and takes a newcomer through onboarding first."""

    async def start_with_event(ctx: Ctx) -> list[Intent]:
        args = ctx.incoming.args
        if not args or event_from_payload(args[0]) is None:
            return await start(ctx)
        event = _event_for_payload(ctx, args[0])
        p = ctx.participant
        settled = p is not None and p.consent_state == "given" and p.onboarded
        if event is None or event.status != OPEN:
            note = Reply(ctx.t("events.link.gone"))
            return [note] if settled else [note, *await start(ctx)]
        if settled:
            return [card(ctx.session, event, ctx.lang, ctx.now, p)]
        preview = card(ctx.session, event, ctx.lang, ctx.now, None)
        return [Reply(preview.text + "\n\n" + ctx.t("events.link.consent_first")), *await start(ctx)]

    return start_with_event


def then_the_event(onboarding_button: Handler) -> Handler:
    """When onboarding that began with an event link ends, show that event again (now with Sign up)."""

    async def onboarding_then_event(ctx: Ctx) -> list[Intent]:
        state = ctx.flow
        payload = state.data.get("payload", "") if state is not None and state.flow == onboarding.FLOW else ""
        out = await onboarding_button(ctx)
        p = ctx.participant
        # Done with onboarding, or said no to keeping reflections: either way they may still sign up
        # (a "no" gets the card with its Sign up button, which asks the smaller sign-up consent).
        if payload and ctx.flow is None and p is not None and (
                (p.onboarded and p.consent_state == "given") or p.consent_state == "refused"):
            event = _event_for_payload(ctx, payload.split(" ", 1)[0])
            if event is not None and event.status == OPEN:
                out.append(card(ctx.session, event, ctx.lang, ctx.now, p))
        return out

    return onboarding_then_event


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "finding",
    commands=(
        Command("events", events_command, "commands.events"),
    ),
    wraps={"command:start": with_event_link, f"action:{onboarding.FLOW}": then_the_event},
)
