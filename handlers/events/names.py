"""The name organisers see on attendee lists: chosen by the person, never a platform id.

Asked once, after the first sign-up (signing up itself is one tap): the first name the platform gives
can be taken with one press, another name typed, or no name at all ("Deltager 3" on the list). /myevents
has a button to change it. Text that is clearly not a name (long, many words) is kept as a reflection
instead, as everywhere else in Samtale.
"""
from __future__ import annotations

from datetime import timedelta

from handlers.core.common import consent_given, flow_token_ok, parse_action, stale
from handlers.core.context import Ctx, Feature
from handlers.events.store import flow_is_old
from handlers.core.types import CloseButtons, Intent, Reply, buttons
from storage.event_models import EventProfile

FLOW = "evd"
MAX_NAME = 40
MAX_WORDS = 4
# Text typed later than this after the question is not taken as a name.
ANSWER_WITHIN = timedelta(minutes=30)


def profile(ctx: Ctx) -> EventProfile | None:
    return ctx.session.get(EventProfile, ctx.participant.id) if ctx.participant is not None else None


def platform_first_name(ctx: Ctx) -> str | None:
    name = (ctx.incoming.display_name or "").strip().split(" ")[0][:MAX_NAME]
    return name if name and name.isprintable() else None


def _question(ctx: Ctx, token: str) -> Reply:
    rows = []
    suggested = platform_first_name(ctx)
    if suggested:
        rows.append([(ctx.t("events.names.use", name=suggested), f"{FLOW}:{token}:p")])
    rows.append([(ctx.t("events.names.none"), f"{FLOW}:{token}:-")])
    return Reply(ctx.t("events.names.ask"), buttons(*rows))


def ask(ctx: Ctx) -> list[Intent]:
    if ctx.participant is None or ctx.participant.consent_state != "given":
        return [Reply(ctx.t("events.signup.need_start"))]
    token = ctx.start_flow(FLOW, "name")
    return [_question(ctx, token)]


def maybe_ask(ctx: Ctx) -> list[Intent]:
    """After a sign-up: ask for a name once, unless the person is in the middle of something else, or
    said yes only to the sign-up (its consent covers that they come, not a name)."""
    if profile(ctx) is not None or ctx.flow is not None or not consent_given(ctx):
        return []
    return ask(ctx)


def _save(ctx: Ctx, name: str | None) -> list[Intent]:
    found = profile(ctx)
    if found is None:
        ctx.session.add(EventProfile(participant_id=ctx.participant.id, display_name=name,  # type: ignore[union-attr]
                                     asked_at=ctx.now))
    else:
        found.display_name, found.asked_at = name, ctx.now
    ctx.end_flow()
    key = "events.names.saved" if name else "events.names.saved_none"
    return [CloseButtons(), Reply(ctx.t(key, name=name or ""), personal=True)]


async def on_button(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 3 or not flow_token_ok(ctx, FLOW, parts[1]):
        return stale(ctx)
    if parts[2] == "p" and platform_first_name(ctx):
        return _save(ctx, platform_first_name(ctx))
    if parts[2] == "-":
        return _save(ctx, None)
    return stale(ctx)


async def on_text(ctx: Ctx) -> list[Intent]:
    text = " ".join((ctx.incoming.text or "").split())
    if not text:
        return [Reply(ctx.t("events.names.empty"))]
    if len(text) > MAX_NAME or len(text.split()) > MAX_WORDS or flow_is_old(ctx.flow, ctx.now, ANSWER_WITHIN):
        # Not a name: a reflection written while the question stood. Keep it as one; ask no more now.
        from handlers.reflections import store_reflection

        ctx.end_flow()
        return store_reflection(ctx)
    return _save(ctx, text)


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "names",
    actions={FLOW: on_button},
    text_steps={FLOW: on_text},
)
