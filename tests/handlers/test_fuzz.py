"""Property tests: arbitrary input to the dispatcher, payloads and config never crash or half-store."""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from bot.config import ConfigError, load_settings
from handlers.core.types import Incoming, Reply
from storage.models import FlowState, Participant, Reflection

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

texts = st.one_of(st.text(), st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
                  st.just(""),
                  st.builds(lambda unit, n: unit * n, st.text(alphabet="aæ\x00\u202e ", min_size=1, max_size=5),
                            st.integers(3000, 6000)))
payloads = st.one_of(
    st.text(max_size=80),
    st.builds(lambda p, rest: f"{p}:{rest}", st.sampled_from(["onb", "r", "fg", "wd", "st", "lg"]),
              st.text(alphabet="0123456789abcdef:-ru+", max_size=30)),
)


def invariants(app) -> None:
    with app.sessions() as s:
        for r in s.scalars(select(Reflection)):
            assert r.participant.consent_state in ("given", "withdrawn"), "a reflection without consent"
        for f in s.scalars(select(FlowState)):
            assert f.participant is not None


@FUZZ
@given(kind=st.sampled_from(["text", "command", "action"]), value=st.one_of(texts, payloads),
       args=st.lists(st.text(max_size=40), max_size=3), hint=st.one_of(st.none(), st.text(max_size=12)),
       group=st.booleans())
def test_dispatcher_never_raises_and_always_answers_people(sqlite_app, kind, value, args, hint, group):
    dispatcher = sqlite_app.dispatcher
    dispatcher.flood.limits = type(dispatcher.flood.limits)(10**9, 10**9, 10**9)
    fields = {"text": {"text": value}, "command": {"command": value[:40], "args": tuple(args)},
              "action": {"action": value}}[kind]
    inc = Incoming(platform="console", chat_id="g" if group else "fuzz", user_id="fuzz", locale_hint=hint,
                   chat_type="group" if group else "private", **fields)
    out = asyncio.run(dispatcher.handle(inc))
    assert all(isinstance(getattr(i, "text", ""), str) for i in out)
    assert not any(isinstance(i, Reply) and "gik galt" in i.text for i in out), out
    if not group and kind != "text":
        assert out, "a private command or press must get an answer"
    invariants(sqlite_app)


@FUZZ
@given(lines=st.lists(st.one_of(texts, st.sampled_from(["/start", "1", "2", "3", "/forget", "/settings",
                                                         "Aarhus", "/withdraw", "4", "/mydata"])),
                      min_size=1, max_size=12))
def test_random_conversations_keep_invariants(sqlite_app, lines):
    from tests.support.people import Person

    sqlite_app.dispatcher.flood.limits = type(sqlite_app.dispatcher.flood.limits)(10**9, 10**9, 10**9)
    person = Person(sqlite_app, "fuzzer")
    for line in lines:
        said = asyncio.run(person.say(line))
        assert "gik galt" not in said
    invariants(sqlite_app)
    with sqlite_app.sessions() as s:
        # At most one person per identity, whatever happened.
        assert len(s.scalars(select(Participant).where(Participant.external_id == "fuzzer")).all()) <= 1


@settings(max_examples=200, deadline=None)
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                      st.dictionaries(st.sampled_from(["platforms", "default_language", "database", "privacy",
                                                       "limits", "zzz"]),
                                      st.one_of(st.integers(), st.text(max_size=10), st.booleans(),
                                                st.lists(st.text(max_size=5), max_size=3)), max_size=4)
                      .map(lambda d: "\n".join(f"{k} = {v!r}".replace("'", '"').replace("True", "true")
                                               .replace("False", "false") for k, v in d.items()).encode())))
def test_config_loading_fails_only_with_a_config_error(body):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "samtale.toml"
        path.write_bytes(body)
        try:
            load_settings(path, env={})
        except ConfigError as exc:
            assert str(path) in str(exc)
