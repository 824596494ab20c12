"""Crisis tier 2 in a conversation: heavy but unexplicit words keep their receipt and gain one warm line."""
from __future__ import annotations

from sqlalchemy import select

from engines.crisis import CrisisTier, crisis_tier, signpost_line
from handlers.core.types import ReplyKind
from storage.models import Reflection

# Sudden calm with affairs in order: no crisis word the lexicon knows, but the model's tier 2.
VEILED_DA = "Jeg har fundet ro nu, alt er ordnet"
VEILED_EN = "I keep imagining my funeral"
ORDINARY = "Jeg savner nogen at drikke kaffe med om morgenen"
EXPLICIT = "jeg vil ikke leve mere"


def reflections(app) -> list[Reflection]:
    with app.sessions() as s:
        return list(s.scalars(select(Reflection).order_by(Reflection.id)))


def test_the_examples_are_the_tiers_they_stand_for():
    assert crisis_tier(VEILED_DA) == CrisisTier.SIGNPOST
    assert crisis_tier(VEILED_EN) == CrisisTier.SIGNPOST
    assert crisis_tier(ORDINARY) == CrisisTier.NONE
    assert crisis_tier(EXPLICIT) == CrisisTier.REPLY


async def test_tier_two_adds_the_signpost_line_and_the_reflection_is_stored(app, person):
    anna = person()
    await anna.onboard()
    said = await anna.say(VEILED_DA)
    assert "gemt" in said and "Livslinien 70 201 201" in said
    assert said.count(signpost_line("da")) == 1
    [receipt] = anna.replies()
    assert receipt.kind == ReplyKind.MESSAGE and receipt.text.endswith(signpost_line("da"))
    assert anna.labels == ["Fortryd", "Må ikke citeres"]  # the ordinary receipt, buttons and all
    [stored] = reflections(app)
    assert stored.text == VEILED_DA and not stored.crisis


async def test_tier_two_in_english(app, person):
    bo = person("bo", lang_hint="en")
    await bo.onboard(lang="en")
    said = await bo.say(VEILED_EN)
    assert signpost_line("en") in said and "Livslinien 70 201 201" in said
    assert len(reflections(app)) == 1


async def test_ordinary_reflection_gets_no_signpost(app, person):
    anna = person()
    await anna.onboard()
    said = await anna.say(ORDINARY)
    assert "gemt" in said and "Livslinien" not in said


async def test_tier_one_is_unchanged_the_full_reply_and_nothing_stored(app, person):
    anna = person()
    await anna.onboard()
    await anna.say(EXPLICIT)
    kinds = [r.kind for r in anna.replies()]
    assert kinds == [ReplyKind.CRISIS]
    assert signpost_line("da") not in anna.replies()[0].text
    assert reflections(app) == []
