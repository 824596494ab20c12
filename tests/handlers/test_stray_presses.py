"""Presses that arrive out of turn: before /start, twice in a row, or for a prompt that does not exist.

Nothing about a person is stored before they start and consent; a repeated press is answered once; a
forged press promises nothing.
"""
from __future__ import annotations

from sqlalchemy import func, select

from handlers.core.types import CloseButtons, Reply, ReplyKind
from storage.insight_models import SummaryRequest
from storage.models import Participant
from tests.support.people import incoming


async def test_a_language_press_before_start_stores_nobody(app):
    out = await app.dispatcher.handle(incoming(platform="telegram", chat_id="g1", user_id="stranger",
                                               action="lg:en"))
    replies = [i for i in out if isinstance(i, Reply)]
    assert replies and "/start" in replies[-1].text and "keep nothing" in replies[-1].text
    assert replies[-1].kind == ReplyKind.NOTICE  # for the presser alone, also under a group's keyboard
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 0


async def test_a_language_press_after_start_still_sets_the_language(person):
    anna = person()
    await anna.onboard()
    said = await anna.say("/language")
    assert "English" in anna.labels, said
    assert "English" in await anna.press("English")


async def test_two_fast_presses_of_the_quote_toggle_confirm_once(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("Jeg savner at have nogen at spise med.")
    press = incoming(action="r:q0:1")
    first = await app.dispatcher.handle(press)
    second = await app.dispatcher.handle(incoming(action="r:q0:1"))
    confirmations = [i for i in [*first, *second] if isinstance(i, Reply) and i.kind == ReplyKind.MESSAGE]
    assert len(confirmations) == 1, confirmations
    assert [i.kind for i in second if isinstance(i, Reply)] == [ReplyKind.STALE_BUTTON]


async def test_a_forged_summary_press_for_no_prompt_stores_nothing(app, person):
    anna = person()
    await anna.onboard()
    out = await app.dispatcher.handle(incoming(action="os:nothing/here"))
    assert any(isinstance(i, CloseButtons) for i in out)
    assert [i.kind for i in out if isinstance(i, Reply)] == [ReplyKind.STALE_BUTTON]
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SummaryRequest)) == 0
