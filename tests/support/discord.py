"""Samtale on the fake Discord, for the tests: the fake itself (a fixture), the newest message with buttons,
a user onboarded in the DM."""
from __future__ import annotations

import pytest

from tests.support.fakes.discord_api import FakeDiscord, Sent


@pytest.fixture
def fake(monkeypatch) -> FakeDiscord:  # noqa: ANN001
    """Discord's API answered on loopback for the test (discord.py's HTTP and gateway patched)."""
    return FakeDiscord().install(monkeypatch)


def last_with_buttons(sent: list[Sent]) -> Sent:
    return [s for s in sent if s.buttons][-1]


async def onboard(fake: FakeDiscord, user: dict) -> None:
    """Through the whole onboarding in the DM: /start, consent, language, age, municipality, quoting."""
    got = await fake.slash(user, "start")
    got = await fake.press(user, last_with_buttons(got), "Ja, jeg giver")
    got = await fake.press(user, last_with_buttons(got), "Dansk")
    got = await fake.press(user, last_with_buttons(got), "30–49")
    got = await fake.dm(user, "Aarhus")
    got = await fake.press(user, last_with_buttons(got), "Ja, anonymt")
    assert any("Tak, så er du med" in s.content for s in got)
