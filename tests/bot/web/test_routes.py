"""Every route of the dashboard × every role (and nobody): the answer each gets, and the headers on each."""
from __future__ import annotations

import pytest
from starlette.routing import Route

from bot.web.app import CSP, PAGES, create_app
from tests.support.events import become_organiser, relaxed_flood  # noqa: F401 - fixture
from tests.support.people import Person
from tests.support.web import client, csrf, link_for, log_in, web_app  # noqa: F401 - fixture

ROLES = ("anonymous", "facilitator", "organiser")
LOGIN = "login"  # a redirect to the login page
# (method, path) → what each role gets. 404: a role may not know the page exists.
EXPECTED = {
    ("GET", "/"): {"anonymous": LOGIN, "facilitator": 303, "organiser": 303},
    ("GET", "/login"): {"anonymous": 200, "facilitator": 303, "organiser": 303},
    ("GET", "/login/{token}"): {"anonymous": 410, "facilitator": 410, "organiser": 410},
    ("POST", "/login/{token}"): {"anonymous": 410, "facilitator": 410, "organiser": 410},
    ("POST", "/logout"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 200},
    ("POST", "/language"): {"anonymous": LOGIN, "facilitator": 303, "organiser": 303},
    ("GET", "/overview"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("GET", "/themes"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("GET", "/said"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("POST", "/said/hide"): {"anonymous": LOGIN, "facilitator": 303, "organiser": 404},
    ("GET", "/moderation"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("POST", "/moderation/unhide"): {"anonymous": LOGIN, "facilitator": 303, "organiser": 404},
    ("GET", "/audit"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("GET", "/exports"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("POST", "/exports/download"): {"anonymous": LOGIN, "facilitator": 200, "organiser": 404},
    ("GET", "/events"): {"anonymous": LOGIN, "facilitator": 404, "organiser": 200},
}
# Ids the chat platform gave the staff: no page may show them.
PLATFORM_IDS = ("fia", "olga")


def test_the_table_names_every_route_of_the_app(sqlite_app, clock):
    app = create_app(sqlite_app.settings, sqlite_app.sessions, clock)
    served = {(m, r.path) for r in app.app.routes if isinstance(r, Route) for m in r.methods if m != "HEAD"}
    assert served == set(EXPECTED) == {(m, p.path) for p in PAGES for m in p.methods}


async def _browser(app, clock, role: str):
    web = client(app, clock)
    if role == "facilitator":
        log_in(web, await link_for(app, "fia"))
    elif role == "organiser":
        olga = Person(app, "olga")
        await olga.onboard()
        await become_organiser(app, olga)
        log_in(web, await link_for(app, "olga"))
    return web


@pytest.mark.parametrize("role", ROLES)
async def test_every_route_answers_every_role_as_declared(web_app, clock, role):
    web = await _browser(web_app, clock, role)
    # /logout last: it ends the session the others use.
    for (method, path), answers in sorted(EXPECTED.items(), key=lambda item: item[0][1] == "/logout"):
        token = csrf(_any_page(web, role)) if role != "anonymous" else ""
        url = path.replace("{token}", "no-such-token")
        data = {"csrf": token, "next": "/", "reflection": "1", "reason": "test", "kind": "events", "period": "tm",
                "format": "csv"} if method == "POST" else None
        answer = web.request(method, url, data=data)
        want = answers[role]
        if want == LOGIN:
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), (method, path, role)
        else:
            assert answer.status_code == want, (method, path, role, answer.text[:300])
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in answer.text
        assert not any(f"console:{name}" in answer.text or f">{name}<" in answer.text for name in PLATFORM_IDS)


def _any_page(web, role: str) -> str:
    return web.get("/overview" if role == "facilitator" else "/events").text
