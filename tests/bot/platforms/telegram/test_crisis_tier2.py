"""Crisis tier 2 on Telegram: the receipt of a heavy but unexplicit reflection carries the signpost line,
and the reflection is stored. Real python-telegram-bot against the loopback fake Bot API."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engines.crisis import crisis_reply, signpost_line
from storage.models import Reflection
from tests.support.telegram import _timedelta_retry_after, fake, h, sleeps, tg  # noqa: F401 - fixtures
from tests.support.telegram import Chat

pytestmark = pytest.mark.filterwarnings("error")


def stored(app) -> list[str]:
    with app.sessions() as session:
        return list(session.scalars(select(Reflection.text).order_by(Reflection.id)))


async def test_tier_two_receipt_on_telegram(app, fake, tg, h) -> None:  # noqa: F811
    anna = Chat(h)
    await anna.say("/start")
    await anna.press("Ja, jeg giver samtykke")
    await anna.press("Dansk")
    await anna.press("30–49")
    await anna.say("Aarhus")
    await anna.press("Ja, anonymt")

    [receipt] = await anna.say("Jeg har fundet ro nu, alt er ordnet")
    assert receipt.text.startswith("Tak, fordi du deler det")
    assert receipt.text.endswith(signpost_line("da")) and "70 201 201" in receipt.text
    assert receipt.buttons  # still the ordinary receipt, with undo
    assert stored(app) == ["Jeg har fundet ro nu, alt er ordnet"]

    [plain] = await anna.say("Jeg savner nogen at gå tur med om søndagen.")
    assert "Livslinien" not in plain.text

    replies = await anna.say("jeg vil ikke leve mere")  # tier 1: the full reply, alone, nothing stored
    assert [m.text for m in replies] == [crisis_reply("da", young=False)]
    with app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Reflection)) == 2
