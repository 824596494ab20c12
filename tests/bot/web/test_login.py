"""Logging in to the dashboard without a password: /dashboard in chat, a one-time link, a session cookie."""
from __future__ import annotations

from sqlalchemy import select

from storage.dashboard_models import DashboardLink
from tests.support.events import become_organiser, relaxed_flood  # noqa: F401 - fixture
from tests.support.people import Person
from tests.support.web import client, csrf, link_for, log_in, web_app  # noqa: F401 - fixture


async def test_a_facilitator_gets_a_link_that_logs_them_in_once(web_app, clock):
    token = await link_for(web_app, "fia")
    assert token
    web = client(web_app, clock)
    page = web.get(f"/login/{token}")
    assert page.status_code == 200 and "Log ind" in page.text  # a button: a link preview spends nothing
    answer = web.post(f"/login/{token}")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert web.get("/").headers["location"] == "/overview"
    assert web.get("/overview").status_code == 200
    again = client(web_app, clock).post(f"/login/{token}")
    assert again.status_code == 410 and "allerede brugt" in again.text
    assert client(web_app, clock).get(f"/login/{token}").status_code == 410


async def test_only_a_hash_of_the_link_is_kept(web_app, clock):
    token = await link_for(web_app, "fia")
    with web_app.sessions() as s:
        stored = s.scalars(select(DashboardLink)).one()
    assert token not in (stored.token_hash, stored.identity) and len(stored.token_hash) == 64


async def test_a_link_expires_after_ten_minutes(web_app, clock):
    token = await link_for(web_app, "fia")
    clock.advance(minutes=10, seconds=1)
    answer = client(web_app, clock).post(f"/login/{token}")
    assert answer.status_code == 410 and "udløbet" in answer.text


async def test_an_unknown_link_is_refused_kindly(web_app, clock):
    answer = client(web_app, clock).get("/login/not-a-real-token")
    assert answer.status_code == 410 and "/dashboard" in answer.text


async def test_a_citizen_is_told_the_dashboard_is_for_staff(web_app):
    said = await Person(web_app, "carl").say("/dashboard")
    assert "partnerskabets medarbejdere" in said and "/login/" not in said
    with web_app.sessions() as s:
        assert s.scalars(select(DashboardLink)).all() == []


async def test_an_english_citizen_is_told_in_english(web_app):
    said = await Person(web_app, "emma", lang_hint="en").say("/dashboard")
    assert "partnership's staff" in said


async def test_an_organiser_gets_a_link_to_their_events(web_app, clock):
    olga = Person(web_app, "olga")
    await olga.onboard()
    await become_organiser(web_app, olga)
    token = await link_for(web_app, "olga")
    web = client(web_app, clock)
    log_in(web, token)
    assert web.get("/").headers["location"] == "/events"
    assert web.get("/events").status_code == 200
    assert web.get("/overview").status_code == 404


async def test_links_are_rate_limited_per_person(web_app, clock):
    tokens = [await link_for(web_app, "fia") for _ in range(5)]
    assert all(tokens)
    said = await Person(web_app, "fia").say("/dashboard")
    assert "mange links" in said and "/login/" not in said
    clock.advance(hours=1, seconds=1)
    assert await link_for(web_app, "fia")


async def test_the_session_ends_after_thirty_idle_minutes(web_app, clock):
    web = client(web_app, clock)
    log_in(web, await link_for(web_app, "fia"))
    clock.advance(minutes=29)
    assert web.get("/overview").status_code == 200  # using it keeps it alive
    clock.advance(minutes=29)
    assert web.get("/overview").status_code == 200
    clock.advance(minutes=30, seconds=1)
    answer = web.get("/overview")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_logout_ends_the_session(web_app, clock):
    web = client(web_app, clock)
    log_in(web, await link_for(web_app, "fia"))
    token = csrf(web.get("/overview").text)
    cookie = web.cookies.get("samtale_session")
    answer = web.post("/logout", data={"csrf": token})
    assert answer.status_code == 200 and "logget ud" in answer.text
    # Even the old cookie, replayed, no longer works.
    replay = client(web_app, clock)
    replay.cookies.set("samtale_session", cookie)
    assert replay.get("/overview").status_code == 303


async def test_a_facilitator_removed_from_the_config_loses_the_session(web_app, app, clock):
    web = client(web_app, clock)
    log_in(web, await link_for(web_app, "fia"))
    without = client(app, clock)  # the same database, fia no longer configured
    without.cookies.set("samtale_session", web.cookies.get("samtale_session"))
    assert without.get("/overview").status_code == 303


async def test_the_cookie_is_secure_behind_https(web_app, clock):
    from tests.support.web import web_settings
    from bot.web.app import create_app
    from starlette.testclient import TestClient

    token = await link_for(web_app, "fia")
    web = TestClient(create_app(web_settings(web_app.settings, "https://dash.test"), web_app.sessions, clock),
                     base_url="https://dash.test", follow_redirects=False)
    assert "secure" in web.post(f"/login/{token}").headers["set-cookie"].lower()


async def test_without_the_dashboard_switched_on_no_link_is_given(app):
    from tests.support.web import web_settings
    from bot.app import build_app

    settings = web_settings(app.settings)
    off = build_app(settings.model_copy(update={"web": settings.web.model_copy(update={"enabled": False})}))
    try:
        said = await Person(off, "fia").say("/dashboard")
    finally:
        off.engine.dispose()
    assert "ikke slået til" in said and "/login/" not in said


async def test_mydata_names_the_sessions_and_forget_ends_them(web_app, clock):
    from handlers.dashboard import personal_data
    from storage.dashboard_models import DashboardSession
    from storage.models import Participant

    olga = Person(web_app, "olga")
    await olga.onboard()
    await become_organiser(web_app, olga)
    web = client(web_app, clock)
    log_in(web, await link_for(web_app, "olga"))
    with web_app.sessions() as s:
        me = s.scalars(select(Participant).where(Participant.external_id == "olga")).one()
        held = personal_data(s, me)
    assert [r["role"] for r in held["sessions"]] == ["organiser"] and "token" not in str(held)
    await olga.say("/forget")
    assert "slettet" in await olga.press("Ja, slet alt")
    with web_app.sessions() as s:
        assert s.scalars(select(DashboardSession)).all() == []
        assert s.scalars(select(DashboardLink)).all() == []
    assert web.get("/events").status_code == 303
