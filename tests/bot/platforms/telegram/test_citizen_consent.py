"""On Telegram: the three-line consent, its details behind "Læs mere", and a walk joined after a "no"
(issue 26, item 6). Real python-telegram-bot against the loopback fake Bot API."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.event_models import Signup
from storage.models import Reflection
from tests.support.events import seed_event
from tests.support.telegram import _timedelta_retry_after, fake, h, sleeps, tg_lite  # noqa: F401 - fixtures
from tests.support.telegram import Chat

pytestmark = pytest.mark.filterwarnings("error")


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def test_three_lines_details_behind_a_button_and_a_walk_after_no(sqlite_app, tg_lite, h, clock):  # noqa: F811
    seed_event(sqlite_app, clock(), title="Gåtur ved åen")
    inger = Chat(h, first_name="Inger")
    [consent] = await inger.say("/start")
    assert consent.text.count("•") == 3 and len(consent.text.split()) < 70
    assert [b["text"] for b in consent.buttons] == ["Ja, jeg giver samtykke", "Nej tak", "Læs mere", "English"]
    details = [m for m in await inger.press("Læs mere") if not m.edited]
    assert "Datatilsynet" in details[0].text and "365 dage" in details[0].text
    assert "NOT SET: privacy.controller_contact" in details[0].text
    await inger.press("Nej tak")
    await inger.say("/events Aarhus")
    asked = [m for m in await inger.press("Tilmeld mig") if not m.edited]
    assert "Vil du melde dig til »Gåtur ved åen«" in asked[-1].text
    joined = [m for m in await inger.press("Ja, meld mig til") if not m.edited]
    assert any("du er tilmeldt" in m.text for m in joined if m.text)
    assert count(sqlite_app, Signup) == 1
    said = await inger.say("Jeg glæder mig til at komme ud og gå med nogen")
    assert "Jeg gemmer ikke" in said[-1].text and count(sqlite_app, Reflection) == 0
