"""The aftercare window after a crisis reply survives a restart and holds on a second process (issue 26, item 1)."""
from __future__ import annotations

from sqlalchemy import func, select

from handlers.core.types import ReplyKind
from storage.care_models import AftercareWindow
from storage.models import Reflection
from tests.support.app import make_app
from tests.support.people import Person

CRISIS_DA = "jeg vil ikke leve mere"


def reflections(app) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(Reflection))


async def test_a_restarted_bot_still_answers_gently(app, tmp_path, clock):
    inger = Person(app, "inger")
    await inger.onboard(age="65–79")
    assert "70 201 201" in await inger.say(CRISIS_DA)
    # The bot restarts (or her next message reaches another process on the same database).
    again = make_app(str(app.settings.database.url), tmp_path, clock)
    try:
        inger_after = Person(again, "inger")
        said = await inger_after.say("ingen ringer nogensinde")
        assert "70 201 201" in said and "gemt" not in said
        assert [r.kind for r in inger_after.replies()] == [ReplyKind.CRISIS]
        assert all(not r.buttons for r in inger_after.replies())
        assert reflections(again) == 0
        # The first process, still running, keeps the window too.
        assert "70 201 201" in await inger.say("jeg ved ikke hvad jeg skal")
        clock.advance(hours=2)
        said = await inger_after.say("Nu har jeg ringet til min datter, det hjalp")
        assert "Tak, fordi du deler det" in said and reflections(again) == 1
    finally:
        again.engine.dispose()


async def test_a_window_that_has_passed_is_not_kept(app, clock):
    stranger, other = Person(app, "stranger"), Person(app, "other")
    await stranger.say("/start")
    await stranger.say(CRISIS_DA)
    clock.advance(hours=2)
    await other.say("/start")
    await other.say("I want to die")
    with app.sessions() as s:
        # Only the window that is open now is held; the passed one went when the new one began.
        assert s.scalar(select(func.count()).select_from(AftercareWindow)) == 1
    assert "samtykke" in (await stranger.say("hej igen")).lower()
