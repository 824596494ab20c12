"""`samtale report`: the annual report for a generated year of data — its numbers are the digests'
(suppression included), it is one self-contained file, and headless Chromium renders it with its
charts, on a desktop, on a phone and in print."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from bench.analytics import generate
from bot.cli import main
from insights.exports.html import render_report
from insights.exports.report import build_report, local_activity, span, year
from content.municipalities import load_municipalities
from storage.audit_models import AuditEntry
from storage.event_models import CANCELLED, CONFIRMED, WAITING, WITHDRAWN, Event, Organisation, Signup
from tests.support.export import config_for
from tests.support.export import seed

CHROMIUM = os.environ.get("SAMTALE_CHROMIUM", "/usr/bin/chromium")
NOW = datetime(2027, 1, 5, 9, tzinfo=timezone.utc)
PEOPLE = 400


def generate_events(app, *, people: int, seed_: int = 11) -> dict:
    """A year of events in 30 municipalities, with sign-ups, waitlists and a few cancellations."""
    rnd = random.Random(seed_)
    places = [m for m in load_municipalities()][::3][:30]
    counts = {"held": 0, "cancelled": 0}
    with app.sessions() as s:
        orgs = []
        for m in places:
            org = Organisation(name=f"Fællesskab {m.name}", municipality=m.name)
            s.add(org)
            orgs.append((org, m))
        s.flush()
        for i in range(150):
            org, m = orgs[i % len(orgs)]
            cancelled = i % 17 == 0
            counts["cancelled" if cancelled else "held"] += 1
            event = Event(organisation_id=org.id, title=f"Fællesspisning nr. {i}", municipality=m.name,
                          starts_at=datetime(2026, 1, 3, 17, tzinfo=timezone.utc) + timedelta(days=2.4 * i),
                          duration_minutes=120, place="Medborgerhuset", capacity=8, online=i % 9 == 0,
                          status=CANCELLED if cancelled else "open")
            s.add(event)
            s.flush()
            who = rnd.sample(range(1, people + 1), 11)
            rows = [{"event_id": event.id, "participant_id": pid,
                     "status": CONFIRMED if n < 8 else WAITING if n < 10 else WITHDRAWN,
                     "guests": 1 if n == 0 else 0, "queue_no": n, "created_at": event.starts_at - timedelta(days=3),
                     "updated_at": event.starts_at - timedelta(days=3)} for n, pid in enumerate(who)]
            s.execute(insert(Signup), rows)
        s.commit()
    return counts


@pytest.fixture
def year_of_data(sqlite_app):
    """3,000 reflections from 400 people over 2026 (bench.analytics' generator) and 150 events."""
    generate(sqlite_app.settings.database.url, 3000, PEOPLE)
    counts = generate_events(sqlite_app, people=PEOPLE)
    return sqlite_app, counts


def test_report_numbers_are_the_digests(year_of_data):
    app, counts = year_of_data
    with app.sessions() as s:
        report = build_report(s, year(2026), now=NOW)
    d = report["digest"]
    assert d["period"]["id"] == "2026" and d["previous_period"]["id"] == "2025"
    # Perturbed (insights.disclosure): within 5, or 5 % of a count above 100.
    assert d["totals"]["reflections"] >= 2700 and abs(d["totals"]["participants"] - PEOPLE) <= 0.05 * PEOPLE
    assert [m["id"] for m in report["months"]] == [f"2026-{i:02d}" for i in range(1, 13)]
    # Each month and the year are cells in their own right, each with its own noise (≤ 5 or 5 %):
    # the months add up to the year only approximately — by design, so that no difference is exact.
    assert abs(sum(m["reflections"] for m in report["months"]) - d["totals"]["reflections"]) <= 0.05 * 2 * d["totals"]["reflections"] + 5 * 12
    local = report["local"]
    assert local["events"] == counts["held"] and local["cancelled"] == counts["cancelled"]
    assert local["municipalities"] == 30 and sum(local["events_by_region"].values()) == counts["held"]
    assert local["signup_people"] is not None and local["signup_seats"] > local["signup_people"]
    assert local["waitlist_people"] >= 5 and 0 < local["events_with_waitlist"] <= counts["held"]
    # Every region held events with dozens of people signed up: nothing to hide, and no empty
    # "unknown region" cell forces a complementary suppression.
    assert None not in local["signups_by_region"].values() and "ukendt" not in local["signups_by_region"]
    # No quote is hidden, crisis-flagged or from someone who did not allow it.
    from storage.models import Reflection
    with app.sessions() as s:
        for q in d["quotes"]:
            r = s.get(Reflection, q["reflection_id"])
            assert r.quotable and not r.crisis and not r.hidden


def test_small_numbers_are_suppressed_in_the_report(app):
    with app.sessions() as s:
        seed(s)
        report = build_report(s, year(2026), now=NOW)
    d, local = report["digest"], report["local"]
    assert d["totals"]["reflections"] is None and d["quotes"] == []
    assert (local["events"], local["cancelled"], local["municipalities"]) == (1, 1, 1)
    # One person has a confirmed seat and one waits: both far below k.
    assert local["signup_people"] is None and local["waitlist_people"] is None
    # The one region that held an event is hidden; where none was held, zero is public and shown.
    assert local["signups_by_region"] == {"Region Hovedstaden": 0, "Region Sjælland": 0, "Region Syddanmark": 0,
                                          "Region Midtjylland": None, "Region Nordjylland": 0}
    html = render_report(report, "da")
    assert "Fællesspisning" not in html  # event titles are not in the report
    for secret in ("7312345678", "Østerbro", "HYPERLINK"):
        assert secret not in html
    with app.sessions() as s:
        assert local_activity(s, span(datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date()))["events"] == 1


def test_a_span_is_compared_with_the_span_before_it():
    p = span(datetime(2026, 2, 10).date(), datetime(2026, 3, 11).date())
    assert p.id == "2026-02-10--2026-03-11" and p.previous().id == "2026-01-11--2026-02-09"
    assert span(datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date()).id == "2026"
    assert span(datetime(2026, 4, 1).date(), datetime(2026, 6, 30).date()).id == "2026-Q2"


def _html(app, tmp_path, *args: str) -> tuple[str, Path]:
    out = tmp_path / "report.html"
    done = CliRunner().invoke(main, ["report", *args, "--out", str(out), "--config", config_for(app, tmp_path)])
    assert done.exit_code == 0, done.output
    return out.read_text(encoding="utf-8"), out


def test_report_file_is_self_contained_and_logged(year_of_data, tmp_path):
    app, _ = year_of_data
    html, out = _html(app, tmp_path, "--year", "2026")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html
    assert "Samtale – årsrapport 2026" in html and "Hvem samtalen nåede" in html and "Sådan gjorde vi" in html
    assert html.count("<svg") >= 5 and "matplotlib" not in html.split("<svg", 1)[0]
    # Nothing is fetched from anywhere, and nothing runs.
    assert not re.search(r"""src\s*=\s*["']?(https?:)?//""", html) and not re.search(r"<link\b", html)
    assert "<script" not in html and "@import" not in html
    assert "default-src 'none'" in html
    assert "@media print" in html and "break-after: page" in html and 'name="viewport"' in html
    english, _ = _html(app, tmp_path, "--year", "2026", "--lang", "en")
    assert '<html lang="en">' in english and "Samtale – annual report 2026" in english
    assert "How it was done" in english and "Hvem samtalen" not in english
    with app.sessions() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "report")).all()
    assert [e.filters["lang"] for e in entries] == ["da", "en"] and entries[0].filters["period"] == "2026"
    bad = CliRunner().invoke(main, ["report", "--out", str(out), "--config", config_for(app, tmp_path)])
    assert bad.exit_code == 2 and "--year 2026, or both --from and --to" in bad.output
    half, _ = _html(app, tmp_path, "--from", "2026-01-01", "--to", "2026-06-30")
    assert "1. januar 2026 – 30. juni 2026" in half


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120)


def _page_use(pdf: Path) -> list[float]:
    """How much of each printed page's height holds text, from the highest line to the lowest (0..1)."""
    from pypdf import PdfReader

    out = []
    for page in PdfReader(pdf).pages:
        ys: list[float] = []
        page.extract_text(visitor_text=lambda text, cm, tm, *_: ys.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
                          if text.strip() else None)
        out.append((max(ys) - min(ys)) / (float(page.mediabox.height) - 100) if ys else 0.0)
    return out


def test_chromium_renders_the_report_with_its_charts(year_of_data, tmp_path):
    from PIL import Image

    if not Path(CHROMIUM).exists():
        why = f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("SAMTALE_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"Chromium required (SAMTALE_REQUIRE_CHROMIUM=1): {why}")
        pytest.skip(why)
    app, _ = year_of_data
    _, out = _html(app, tmp_path, "--year", "2026")
    url = out.resolve().as_uri()
    dom = _chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for section in ("reach", "said", "local", "method"):
        assert f'id="{section}"' in html
    assert len(re.findall(r"<svg\b[^>]*class=\"chart\"", html)) >= 5
    assert len(re.findall(r"<path\b", html)) > 100  # the charts' bars and lines, not empty boxes
    problems = [line for line in dom.stderr.splitlines()
                if "CONSOLE" in line or "Content Security Policy" in line or "Refused to" in line]
    assert problems == []
    shots = {}
    for name, size in (("desktop", "1200,3000"), ("phone", "390,2400")):
        png = tmp_path / f"report-{name}.png"
        shot = _chromium(f"--screenshot={png}", f"--window-size={size}", url, profile=tmp_path / "profile")
        assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
        with Image.open(png) as im:
            assert im.size == tuple(int(x) for x in size.split(","))
            colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
            assert colours is not None and len(colours) > 50  # text and charts, not a blank page
        shots[name] = png
    pdf = tmp_path / "report.pdf"
    printed = _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url, profile=tmp_path / "profile")
    assert printed.returncode == 0 and pdf.exists(), printed.stderr[-2000:]
    assert pdf.stat().st_size < 1_000_000  # small: no hatching, text stays text
    used = _page_use(pdf)
    assert len(used) >= 4 and min(used[:-1]) > 0.3, used  # no near-empty page (the last may be short)
    keep = os.environ.get("SAMTALE_ARTIFACTS")
    if keep:  # CI keeps the screenshots and the PDF
        Path(keep).mkdir(parents=True, exist_ok=True)
        for path in (*shots.values(), pdf, out):
            shutil.copy(path, Path(keep) / path.name)


AXE_JS = os.environ.get("SAMTALE_AXE_JS", "")
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


def test_axe_core_finds_no_violations_on_a_desktop_or_a_phone(year_of_data, tmp_path):
    """axe-core (SAMTALE_AXE_JS: its axe.min.js; .ci/run fetches it from the npm registry) in Chromium."""
    missing = [why for why, gone in ((f"no Chromium at {CHROMIUM}", not Path(CHROMIUM).exists()),
                                     ("SAMTALE_AXE_JS names no axe.min.js", not Path(AXE_JS or "/nonexistent").is_file()))
               if gone]
    if missing:
        if os.environ.get("SAMTALE_REQUIRE_CHROMIUM") == "1":
            pytest.fail("; ".join(missing) + " (SAMTALE_REQUIRE_CHROMIUM=1; .ci/run installs both)")
        pytest.skip("; ".join(missing))
    app, _ = year_of_data
    html, _ = _html(app, tmp_path, "--year", "2026")
    # The test copy only: the report's policy forbids scripts, and axe is one.
    checked = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    axe = Path(AXE_JS).read_text(encoding="utf-8").replace("</script", "<\\/script")
    checked = checked.replace("</body>", f"<script>{axe}</script>{AXE_RUN}</body>")
    page = tmp_path / "axe.html"
    page.write_text(checked, encoding="utf-8")
    for size in ("1200,3000", "390,2400"):
        dom = _chromium("--virtual-time-budget=30000", f"--window-size={size}", "--dump-dom", page.resolve().as_uri(),
                        profile=tmp_path / "profile")
        found = re.search(r'<pre id="axe-result">(.*?)</pre>', dom.stdout, re.S)
        assert found, dom.stderr[-2000:]
        result = found.group(1).replace("&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
        assert result == "[]", (size, result)
