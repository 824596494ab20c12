"""Forged and mangled button payloads: every registered prefix answers (stale at worst), never raises.

Payloads come back from the platform as the person's client sends them, so anyone can forge one:
superscript digits ('²'.isdigit() is True, int('²') raises), ids past SQLite's and PostgreSQL's
integer range, empty parts, extra colons. Each must get a reply and leave no ERROR line in the log.
"""
from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select
from hypothesis import HealthCheck, example, given, settings, strategies as st

from bot.app import FEATURES
from handlers.core.common import MAX_ID, parse_int
from handlers.core.context import Registry
from handlers.core.types import Incoming, Reply
from storage.models import FlowState, Participant
from tests.support.people import Person
from tests.support.events import become_organiser

PREFIXES = sorted(Registry.assemble(FEATURES).actions)

parts = st.one_of(
    st.sampled_from(["", "-", "0", "1", "2", "²", "³", "١", "9" * 60, "9" * 19, str(MAX_ID + 1), "-1", "+1",
                     " 1", "1_0", "u", "q0", "q1", "s", "s2", "c", "i", "v", "m", "n", "x", "a", "y", "da", "en",
                     "_b", "_x", "ok", "online", "TOKEN", "TOKEN", "org", "title", "desc", "start", "dur", "cap",
                     "mun", "lang", "aud", "plus", "review", "age", "menu", "quote"]),
    st.text(alphabet="0123456789²³abcuqsxy-_", max_size=12),
    st.text(max_size=8),
)
payloads = st.builds(lambda prefix, rest: ":".join([prefix, *rest])[:64],
                     st.sampled_from(PREFIXES), st.lists(parts, max_size=4))


def test_the_parser_takes_only_plain_bounded_numbers():
    assert parse_int("42") == 42 and parse_int("0") == 0 and parse_int(str(MAX_ID)) == MAX_ID
    for bad in ("²", "1²", "١", "9" * 60, str(MAX_ID + 1), "-1", "+1", " 1", "1_0", "", None, "0x1"):
        assert parse_int(bad) is None, bad
    assert parse_int("10000", maximum=9999) is None


@pytest.fixture
def onboarded(app, clock):
    app.dispatcher.flood.limits = type(app.dispatcher.flood.limits)(10**9, 10**9, 10**9, 10**9)
    anna = Person(app, "anna")
    asyncio.run(anna.onboard())
    asyncio.run(anna.say("Jeg savner nogen at gå tur med."))  # a reflection with buttons, id 1
    asyncio.run(become_organiser(app, anna, clock=clock))
    return app


def _in_a_flow(app) -> str:
    """Anna mid-/newevent (started again when a forged press ended it); her flow's current token, so
    forged presses reach the steps' own parsing, not only the token check."""
    for _ in range(2):
        with app.sessions() as s:
            token = s.scalars(select(FlowState.token).join(Participant).where(
                Participant.external_id == "anna")).first()
        if token is not None:
            return token
        asyncio.run(app.dispatcher.handle(Incoming(platform="console", chat_id="anna", user_id="anna",
                                                   command="newevent", locale_hint="da")))
    return "000000"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=payloads, who=st.sampled_from(["anna", "stranger"]))
@example(payload="r:u:" + "9" * 60, who="anna")
@example(payload="r:u:²", who="anna")
@example(payload="r:q1:³", who="anna")
@example(payload="ev:s:²", who="anna")
@example(payload="ev:m:-:²", who="anna")
@example(payload="evo:a:" + "9" * 12, who="anna")
def test_every_prefix_answers_a_forged_press_without_an_error(onboarded, caplog, payload, who):
    caplog.clear()
    payload = payload.replace("TOKEN", _in_a_flow(onboarded))
    inc = Incoming(platform="console", chat_id=who, user_id=who, action=payload, locale_hint="da")
    with caplog.at_level(logging.ERROR):
        out = asyncio.run(onboarded.dispatcher.handle(inc))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, (payload, [r.getMessage() for r in errors], [r.exc_text for r in errors])
    assert any(isinstance(i, Reply) for i in out), (payload, out)
    assert not any(isinstance(i, Reply) and "gik galt" in i.text for i in out), (payload, out)
