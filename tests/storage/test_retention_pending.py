"""Retention: someone who never answered the consent question is not kept past a day (issue 25)."""
from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Contact, FlowState, Participant
from storage.retention import purge_pending


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_pending_participants_go_after_a_day_with_everything_keyed_to_them(app, person, clock):
    anna, bo = person("anna"), person("bo")
    await anna.onboard()
    await bo.say("/start")  # shown the consent question, never answers it
    assert count(app, Participant) == 2
    with app.sessions() as s:
        assert purge_pending(s, clock()) == 0  # still time to answer

    clock.advance(hours=23)
    cy = person("cy")
    await cy.say("/start")
    clock.advance(hours=2)
    with app.sessions() as s:
        assert purge_pending(s, clock()) == 1  # bo, after a day; cy may still answer
    with app.sessions() as s:
        left = set(s.scalars(select(Participant.external_id)))
        assert left == {"anna", "cy"}
        assert s.scalar(select(func.count()).select_from(Contact)
                        .join(Participant).where(Participant.external_id == "bo")) == 0
    assert count(app, FlowState) <= 1  # only cy's consent question is open
    # A consenting person is never touched, however old.
    clock.advance(days=30)
    with app.sessions() as s:
        purge_pending(s, clock())
        assert set(s.scalars(select(Participant.external_id))) == {"anna"}
