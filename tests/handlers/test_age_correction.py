""""nej, jeg er 14" at "15–17 – passer det?" is a child saying their age: nothing is kept (issue 26; found by
the five-person transcript, bench/five_people.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.models import Participant, Reflection
from tests.support.telegram import _timedelta_retry_after, fake, h, sleeps, tg_lite  # noqa: F401 - fixtures
from tests.support.telegram import Chat


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_maja_corrects_her_age_to_14_and_nothing_about_her_is_kept(app, person):
    maja = person("maja")
    await maja.say("/start")
    await maja.say("ja")
    await maja.press("Dansk")
    assert "15–17 – passer det?" in await maja.say("16 😅")
    said = await maja.say("nej jeg er 14 🙈")
    assert "116 111" in said and "gemt uden dit navn" not in said
    assert count(app, Reflection) == 0 and count(app, Participant) == 0


@pytest.mark.filterwarnings("error")
async def test_the_same_on_telegram(sqlite_app, tg_lite, h):  # noqa: F811
    maja = Chat(h, first_name="Maja")
    await maja.say("/start")
    await maja.say("ja")
    await maja.press("Dansk")
    await maja.say("16 😅")
    said = await maja.say("nej, jeg er 14 🙈")
    assert any("116 111" in (m.text or "") for m in said)
    assert count(sqlite_app, Reflection) == 0 and count(sqlite_app, Participant) == 0
