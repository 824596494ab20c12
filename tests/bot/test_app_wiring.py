"""Explicit wiring: two programs in one process, built from different settings, share nothing."""
from __future__ import annotations

from tests.support.app import make_app
from tests.support.people import Person


async def test_two_apps_with_different_settings_do_not_see_each_other(tmp_path, clock):
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir(), b_dir.mkdir()
    a = make_app(f"sqlite:///{a_dir / 'samtale.db'}", a_dir, clock,
                 roles={"facilitators": ["console:fia"]}, events={"max_capacity": 10})
    b = make_app(f"sqlite:///{b_dir / 'samtale.db'}", b_dir, clock, events={"max_capacity": 50})
    try:
        fia_a, fia_b = Person(a, "fia"), Person(b, "fia")
        for fia in (fia_a, fia_b):
            await fia.onboard()
        # A configured facilitator in one program is a citizen in the other …
        assert "Refleksioner" in await fia_a.say("/stats")
        refused = await fia_b.say("/stats")
        assert "Refleksioner" not in refused and refused.strip()
        # … each program's features read their own settings, and each has its own registry.
        assert (a.dispatcher.services.events.max_capacity, b.dispatcher.services.events.max_capacity) == (10, 50)
        assert a.dispatcher.routes is not b.dispatcher.routes
        assert list(a.dispatcher.routes.commands) == list(b.dispatcher.routes.commands)
        # Building B did not change what A already had.
        assert "console:fia" in a.dispatcher.config.facilitators and not b.dispatcher.config.facilitators
    finally:
        a.engine.dispose()
        b.engine.dispose()
