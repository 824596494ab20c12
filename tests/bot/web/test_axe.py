"""axe-core in headless Chromium finds no WCAG violations on the facilitator pages, on a desktop and a phone.

The shape of tests/insights/test_report.py's axe test: SAMTALE_AXE_JS names axe.min.js (.ci/run fetches it
from the npm registry); without Chromium or axe the test is skipped, unless SAMTALE_REQUIRE_CHROMIUM=1.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from bot.web.app import HERE
from tests.support.web import AXE_RUN, client, csrf, data_app, link_for, log_in  # noqa: F401 - fixture

CHROMIUM = os.environ.get("SAMTALE_CHROMIUM", "/usr/bin/chromium")
AXE_JS = os.environ.get("SAMTALE_AXE_JS", "")


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180)


def _needs_browser() -> None:
    missing = [why for why, gone in ((f"no Chromium at {CHROMIUM}", not Path(CHROMIUM).exists()),
                                     ("SAMTALE_AXE_JS names no axe.min.js", not Path(AXE_JS or "/nonexistent").is_file()))
               if gone]
    if missing:
        if os.environ.get("SAMTALE_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"Chromium and axe required (SAMTALE_REQUIRE_CHROMIUM=1): {'; '.join(missing)}")
        pytest.skip("; ".join(missing))


async def test_axe_core_finds_no_violations_on_a_desktop_or_a_phone(data_app, clock, tmp_path):  # noqa: F811
    _needs_browser()
    web = client(data_app, clock)
    log_in(web, await link_for(data_app, "fia"))
    css = (HERE / "static" / "dashboard.css").read_text(encoding="utf-8")
    axe = Path(AXE_JS).read_text(encoding="utf-8").replace("</script", "<\\/script")
    said = web.get("/said").text  # one quote hidden, so the moderation page has its form
    first = re.search(r'name="reflection" value="(\d+)"', said).group(1)
    web.post("/said/hide", data={"csrf": csrf(said), "reflection": first, "reason": "test"})
    anonymous = client(data_app, clock)
    for path in ("/login", "/overview", "/themes", "/said", "/moderation", "/exports", "/audit"):
        html = (anonymous if path == "/login" else web).get(path).text
        assert '<link rel="stylesheet" href="/static/dashboard.css">' in html
        # The test copy only: the stylesheet inline (a file:// page cannot fetch /static), and axe, a script
        # the dashboard's policy would forbid.
        checked = html.replace('<link rel="stylesheet" href="/static/dashboard.css">', f"<style>{css}</style>")
        checked = checked.replace("</body>", f"<script>{axe}</script>{AXE_RUN}</body>")
        page = tmp_path / f"axe{path.replace('/', '-')}.html"
        page.write_text(checked, encoding="utf-8")
        for size in ("1200,2400", "390,2400"):
            dom = _chromium("--virtual-time-budget=30000", f"--window-size={size}", "--dump-dom",
                            page.resolve().as_uri(), profile=tmp_path / "profile")
            found = re.search(r'<pre id="axe-result">(.*?)</pre>', dom.stdout, re.S)
            assert found, dom.stderr[-2000:]
            result = found.group(1).replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<") \
                .replace("&amp;", "&")
            assert result == "[]", (path, size, result)
