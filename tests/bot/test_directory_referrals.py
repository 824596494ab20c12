"""A warm hand-off end to end: a person in Aarhus finds the dinner club, asks for a volunteer to contact them,
and the organisation's webhook (loopback) receives exactly what they agreed to share, signed; they are told."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.config import Settings
from bot.directory_referrals import deliver_referrals, purge_referrals
from storage.directory_models import DirReferral
from storage.directory_queries import save_catalogue
from tests.support.directory import aarhus_catalogue
from tests.support.drivers.console import ConsoleTown
from tests.support.people import incoming

SECRET = "a-shared-secret-for-the-naboer"


@pytest.fixture
async def organisation():
    received: list[tuple[dict, str]] = []

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Samtale-Signature", ""), expected):
            return web.Response(status=401)
        received.append((json.loads(body), request.headers["Idempotency-Key"]))
        return web.json_response({"ok": True})

    server = web.Application()
    server.router.add_post("/referrals", handle)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the port the OS chose
    yield f"http://127.0.0.1:{port}/referrals", received
    await runner.cleanup()


async def test_the_organisation_receives_exactly_what_was_shared_signed_and_the_person_is_told(
        sqlite_app, clock, organisation):
    url, received = organisation
    app = sqlite_app
    with app.sessions.begin() as s:
        save_catalogue(s, aarhus_catalogue())
    town = ConsoleTown(app, clock)
    anna = town.person("anna")
    await anna.onboard(municipality="Aarhus")
    said = await anna.say("/faellesskaber")
    assert "Fællesspisning i Trøjborg" in said
    [action] = [b.action for r in anna.replies() for row in r.buttons for b in row if "frivillig" in b.label]
    anna.console.render((await app.dispatcher.handle(incoming(action=action)))[-1])
    await anna.press("Ja, fortsæt")
    await anna.say("Anna")
    await anna.say("20 30 40 50")
    await anna.press("Spring over")
    await anna.press("Send")

    settings = Settings.model_validate({**app.settings.model_dump(), "directory": {
        "sinks": [{"name": "naboer", "type": "webhook", "url": url, "max_attempts": 1}]}})
    counts = await deliver_referrals(app.sessions, settings, clock(),
                                     env={"SAMTALE_WEBHOOK_SECRET_NABOER": SECRET})
    assert counts == {"delivered": 1, "failed": 0, "waiting": 0}
    [(body, key)] = received
    assert body["shared"] == {"name": "Anna", "contact": "20 30 40 50"}  # no note: she skipped it
    assert body["service_id"] == "spis" and body["organisation_id"] == "naboer"
    assert key.startswith("referral-")
    # Sent once: a second run finds nothing pending.
    assert (await deliver_referrals(app.sessions, settings, clock(),
                                    env={"SAMTALE_WEBHOOK_SECRET_NABOER": SECRET}))["delivered"] == 0
    await town.deliver()
    assert any("har modtaget det, du delte" in m for m in town.received("anna"))


async def test_without_a_sink_a_referral_waits_and_is_deleted_after_the_retention(sqlite_app, clock):
    app = sqlite_app
    with app.sessions.begin() as s:
        save_catalogue(s, aarhus_catalogue())
    anna = ConsoleTown(app, clock).person("anna")
    await anna.onboard(municipality="Aarhus")
    await anna.say("/faellesskaber")
    [action] = [b.action for r in anna.replies() for row in r.buttons for b in row if "frivillig" in b.label]
    anna.console.render((await app.dispatcher.handle(incoming(action=action)))[-1])
    await anna.press("Ja, fortsæt")
    await anna.press("Spring over")
    await anna.say("anna@example.org")
    await anna.press("Spring over")
    await anna.press("Send")
    assert (await deliver_referrals(app.sessions, app.settings, clock()))["waiting"] == 1
    with app.sessions() as s:
        assert purge_referrals(s, app.settings, clock() + timedelta(days=89)) == 0
        assert purge_referrals(s, app.settings, clock() + timedelta(days=91)) == 1
        s.commit()
        assert s.scalars(select(DirReferral)).all() == []
