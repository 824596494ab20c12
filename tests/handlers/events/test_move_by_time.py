"""An organiser moves an event by a time alone or a shift, since its date is known (issue 26, item 10)."""
from __future__ import annotations

import pytest

from tests.support.events import relaxed_flood  # noqa: F401 - fixture
from tests.support.events import become_organiser, make_code, notices, press, seed_event, seed_people
from tests.support.people import onboarded
from tests.support.telegram import _timedelta_retry_after, fake, h, sleeps, tg_lite  # noqa: F401 - fixtures
from tests.support.telegram import Chat


async def test_en_time_senere_and_kl_11_move_the_event_on_its_own_day(app, clock):
    event_id = seed_event(app, clock(), days=5, org="Vejle Frivilligcenter", municipality="Vejle")
    a, = seed_people(app, 1)
    await press(app, a, f"ev:s:{event_id}")
    olga = await onboarded(app, "olga")
    await become_organiser(app, olga, org="Vejle Frivilligcenter", municipality="Vejle", clock=clock)
    await olga.say("/myevents")
    said = await olga.press("Flyt")
    assert "en time senere" in said  # the question says it may be answered so
    said = await olga.say("en time senere")
    assert "Flyt »Fællesspisning« til onsdag den 2. december kl. 12.00?" in said
    said = await olga.press("Ja, flyt det")
    assert "er flyttet" in said
    assert "til onsdag den 2. december kl. 12.00" in notices(app, "ev-changed")[0].payload["text"]
    await olga.say("/myevents")
    await olga.press("Flyt")
    said = await olga.say("kl 11")
    assert "Flyt »Fællesspisning« til onsdag den 2. december kl. 11.00?" in said
    said = await olga.say("kl 25")  # asked again, never guessed
    assert "Det klokkeslæt findes ikke" in said and "Flyt »Fællesspisning« til" not in said


@pytest.mark.filterwarnings("error")
async def test_an_organiser_on_telegram_moves_an_event_an_hour(sqlite_app, tg_lite, h, clock):  # noqa: F811
    seed_event(sqlite_app, clock(), days=5, org="Vejle Frivilligcenter", municipality="Vejle")
    olga = Chat(h, first_name="Olga")
    await olga.onboard()
    code = make_code(sqlite_app, "Vejle Frivilligcenter", "Vejle", clock())
    await olga.say(f"/organiser {code}")
    await olga.say("/myevents")
    await olga.press("Flyt")
    asked = await olga.say("en time senere")
    assert any("kl. 12.00?" in (m.text or "") for m in asked)
    done = await olga.press("Ja, flyt det")
    assert any("er flyttet" in (m.text or "") for m in done)
