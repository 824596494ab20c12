"""Event wording: "Den ene, der er tilmeldt", and no "Vejle, Vejle" on cards (issue 26, item 10)."""
from __future__ import annotations

from sqlalchemy import update

from storage.event_models import Event
from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import become_organiser, press, seed_event, seed_people


async def test_one_person_signed_up_is_den_ene(app, person, clock):
    event_id = seed_event(app, clock())
    [a] = seed_people(app, 1)
    await press(app, a, f"ev:s:{event_id}")
    olga = person("olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    await olga.say("/myevents")
    said = await olga.press("Aflys")
    assert "Den ene, der er tilmeldt eller på ventelisten" in said and "De 1" not in said


async def test_a_place_that_names_the_town_is_not_followed_by_the_town_again(app, person, clock):
    event_id = seed_event(app, clock(), municipality="Vejle", org="Vejle Kommune")
    with app.sessions() as s:
        s.execute(update(Event).where(Event.id == event_id).values(place="Vejle"))
        s.commit()
    ahmad = person("ahmad")
    await ahmad.onboard(municipality="Vejle")
    said = await ahmad.say("/events")
    assert "📍 Vejle" in said and "Vejle, Vejle" not in said
