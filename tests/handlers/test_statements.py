"""/stem in detail: consent first, the daily limit, English /vote, one's own statement kept short and scrubbed."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from handlers.core.services import ConversationRules
from storage.statement_models import PENDING, Statement, StatementVote
from storage.statement_queries import add_statement
from tests.support.people import Person, onboarded


def seed(app, clock, n: int) -> None:
    with app.sessions.begin() as s:
        for i in range(n):
            add_statement(s, now=clock(), text_da=f"Udsagn nummer {i}", text_en=f"Statement number {i}")


async def test_voting_needs_consent(app, clock):
    seed(app, clock, 2)
    said = await Person(app, "ole").say("/stem")
    assert "/start" in said and "Enig" not in said


async def test_at_most_the_configured_number_a_day_then_again_tomorrow(app, clock):
    seed(app, clock, 5)
    app.dispatcher.services = replace(app.dispatcher.services, conversation=ConversationRules(per_day=2))
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Enig")
    said = await anna.press("Spring over")
    assert "2 udsagn i dag" in said and not anna.replies()[-1].buttons
    clock.advance(days=1)
    assert "Udsagn nummer" in await anna.say("/stem")


async def test_english_vote_shows_the_english_words(app, clock):
    seed(app, clock, 1)
    bob = await onboarded(app, "bob", lang="en")
    said = await bob.say("/vote")
    assert "Statement number 0" in said and "Agree" in bob.labels


async def test_own_statement_too_long_is_asked_again_and_a_cancel_keeps_nothing(app, clock):
    seed(app, clock, 1)
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Skriv din egen")
    said = await anna.say("ord " * 50)
    assert "højst 140" in said
    said = await anna.say("Min nabo Jens Hansen på jens@example.org burde invitere flere til kaffe")
    assert "jens@example.org" not in said
    await anna.press("Nej")
    with app.sessions() as s:
        assert s.scalars(select(Statement).where(Statement.status == PENDING)).all() == []


async def test_withdrawing_consent_with_delete_erases_the_votes(app, clock):
    seed(app, clock, 2)
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Uenig")
    await anna.say("/withdraw")
    await anna.press("Slet")
    with app.sessions() as s:
        assert s.scalars(select(StatementVote)).all() == []
