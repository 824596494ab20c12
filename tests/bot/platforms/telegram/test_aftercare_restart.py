"""On Telegram, the gentle answers after a crisis reply continue after the bot restarts (issue 26, item 1)."""
from __future__ import annotations

import pytest

from tests.support.app import make_app
from tests.support.telegram import _timedelta_retry_after, fake, sleeps  # noqa: F401 - fixtures
from tests.support.telegram import Chat, Harness, running

pytestmark = pytest.mark.filterwarnings("error")


async def test_after_a_restart_the_next_message_still_gets_the_gentle_line(sqlite_app, fake, sleeps, tmp_path,  # noqa: F811
                                                                           clock):
    first = running(sqlite_app, fake, sleeps)
    platform = await anext(first)
    anna = Chat(Harness(fake, platform))
    await anna.onboard()
    [reply] = await anna.say("jeg vil ikke leve mere")
    assert "70 201 201" in reply.text
    await anext(first, None)  # the bot stops

    restarted = make_app(str(sqlite_app.settings.database.url), tmp_path, clock)
    try:
        second = running(restarted, fake, sleeps)
        platform = await anext(second)
        anna = Chat(Harness(fake, platform))
        [reply] = await anna.say("ingen ringer nogensinde")
        assert "70 201 201" in reply.text and "gemt" not in reply.text and not reply.buttons
        await anext(second, None)
    finally:
        restarted.engine.dispose()
