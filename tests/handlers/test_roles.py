"""Roles, proven: every command and every button family, as each kind of person, allowed or refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import FEATURES
from handlers.core.context import Registry

registry = Registry.assemble(FEATURES)
from handlers.core.types import Incoming, Reply
from storage.event_models import Event
from storage.models import Participant, Reflection

PERSONAS = ("stranger", "refused", "under15", "citizen", "organiser", "facilitator")
# Who is refused each role-gated command; every other command is open to everyone (and answers them).
REFUSED = {
    "newevent": {"stranger", "refused", "under15", "citizen"},
    "local": {"stranger", "refused", "under15", "citizen"},
    **{cmd: {"stranger", "refused", "under15", "citizen", "organiser"}
       for cmd in ("stats", "digest", "export", "hide", "unhide", "plan", "moderate")},
}
DENIAL = ("ikke for dig", "not available to you")


def test_the_table_matches_the_registry():
    """A new command must be placed in this table: its roles are part of what it is."""
    for name, command in registry.commands.items():
        open_to = set(command.roles)
        expected_refused = {"citizen", "organiser"} & REFUSED.get(name, set())
        assert {"citizen", "organiser"} - open_to == expected_refused, name


async def become(app, person, clock, persona: str):
    # Every command in a row is a flood by the bot's own rules; this test is about roles.
    app.dispatcher.flood.limits = type(app.dispatcher.flood.limits)(10**6, 10**6, 10**6, presses_per_minute=10**6)
    who = person(persona)
    if persona == "stranger":
        return who
    if persona == "refused":
        await who.say("/start")
        await who.press("Nej tak")
        return who
    if persona == "under15":
        await who.say("/start")
        await who.press("Ja, jeg giver")
        await who.press("Dansk")
        await who.press("Under 15")
        return who
    await who.onboard()
    if persona == "organiser":
        with app.sessions() as s:
            s.scalars(select(Participant).where(Participant.external_id == persona)).one().role = "organiser"
            s.commit()
    if persona == "facilitator":
        app.dispatcher.config = type(app.dispatcher.config)(
            **{**app.dispatcher.config.__dict__, "facilitators": frozenset({"console:facilitator"})})
    return who


@pytest.mark.parametrize("persona", PERSONAS)
async def test_every_command_as_every_persona(app, person, clock, persona):
    who = await become(app, person, clock, persona)
    for name in sorted(registry.commands):
        said = await who.say(f"/{name}")
        assert said.strip(), f"/{name} as {persona}: no answer"
        assert "gik galt" not in said, f"/{name} as {persona}: error"
        refused = any(d in said for d in DENIAL)
        assert refused == (persona in REFUSED.get(name, set())), f"/{name} as {persona}: refused={refused}"
        # Leave any flow the command opened, so the next command starts clean.
        await who.say("/help")


FORGED = ["{p}:1", "{p}:1:1", "{p}:x:y:z", "{p}:999999:yes", "{p}:1:cancel", "{p}:1:del", "{p}:abc:1"]


@pytest.mark.parametrize("persona", ["stranger", "refused", "citizen", "organiser"])
async def test_forged_button_presses_change_nothing_they_may_not(app, person, clock, persona):
    """Someone else's event id, a made-up payload, a family of buttons not theirs: no effect, no crash."""
    organiser = await become(app, person, clock, "organiser")
    with app.sessions() as s:
        before_events = [(e.id, e.title, e.starts_at, e.capacity, getattr(e, "cancelled_at", None))
                         for e in s.scalars(select(Event))]
        before_reflections = s.scalar(select(func.count()).select_from(Reflection))
    who = await become(app, person, clock, persona) if persona != "organiser" else organiser
    for prefix in sorted(registry.actions):
        for pattern in FORGED:
            out = await app.dispatcher.handle(Incoming(platform="console", chat_id=who.name, user_id=who.name,
                                                       action=pattern.format(p=prefix)))
            texts = [i.text for i in out if isinstance(i, Reply)]
            assert not any("gik galt" in t for t in texts), (prefix, pattern, texts)
    with app.sessions() as s:
        after_events = [(e.id, e.title, e.starts_at, e.capacity, getattr(e, "cancelled_at", None))
                        for e in s.scalars(select(Event))]
        assert after_events == before_events
        assert s.scalar(select(func.count()).select_from(Reflection)) == before_reflections
