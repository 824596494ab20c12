"""The dashboard for the tests (no tests here): an app with [web] on and console:fia a facilitator, a
TestClient on the dashboard, and logging in the way a person does (/dashboard in the console)."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from bot.app import build_app
from bot.web.app import create_app
from handlers.core.flood import Limits
from bench.analytics import generate
from tests.support.people import Person

LINK = re.compile(r"(https?://\S+/login/(\S+))")


def web_settings(settings, public_url: str = "http://dash.test"):
    return settings.model_copy(update={
        "roles": settings.roles.model_copy(update={"facilitators": ["console:fia"]}),
        "web": settings.web.model_copy(update={"enabled": True, "public_url": public_url})})


@pytest.fixture
def web_app(app, clock):
    """The same database as `app`, with the dashboard on and console:fia a facilitator."""
    built = build_app(web_settings(app.settings), clock=clock)
    built.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    yield built
    built.engine.dispose()


@pytest.fixture
def data_app(sqlite_app, clock):
    """3,000 reflections from 300 people over 2026 (bench.analytics' generator), the dashboard on."""
    generate(sqlite_app.settings.database.url, 3000, 300)
    built = build_app(web_settings(sqlite_app.settings), clock=clock)
    built.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    yield built
    built.engine.dispose()


def client(app, clock) -> TestClient:
    return TestClient(create_app(app.settings, app.sessions, clock), base_url="http://dash.test",
                      follow_redirects=False)


async def link_for(app, name: str) -> str | None:
    """What /dashboard answers `name` in the console: the token of the link, or None (and the text)."""
    said = await Person(app, name).say("/dashboard")
    found = LINK.search(said)
    return found.group(2) if found else None


def log_in(web: TestClient, token: str) -> None:
    assert web.get(f"/login/{token}").status_code == 200
    answer = web.post(f"/login/{token}")
    assert answer.status_code == 303, answer.text


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, page[:500]
    return found.group(1)


# Runs axe-core in the page and writes its violations into <pre id="axe-result"> (as tests/insights/test_report.py).
AXE_RUN = """<script>
axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
  var out = document.createElement("pre"); out.id = "axe-result";
  out.textContent = JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.target.join(" "); })}; }));
  document.body.appendChild(out);
}).catch(function (e) {
  var out = document.createElement("pre"); out.id = "axe-result"; out.textContent = "ERROR " + e;
  document.body.appendChild(out);
});
</script>"""
