"""A facilitator's app for the tests: the same database as `app`, with console:fia configured as a facilitator."""
from __future__ import annotations

import pytest

from bot.app import build_app
from handlers.core.flood import Limits


@pytest.fixture
def fac_app(app, clock):
    """The same database, with console:fia configured as a facilitator."""
    settings = app.settings.model_copy(update={"roles": app.settings.roles.model_copy(
        update={"facilitators": ["console:fia"]})})
    fac = build_app(settings, clock=clock)
    fac.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    yield fac
    fac.engine.dispose()
