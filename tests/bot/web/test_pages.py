"""The dashboard's pages show the digest's own numbers and quotes; viewing quotes is audited; hiding one
needs the form's CSRF token and a reason; an organiser sees their own events only."""
from __future__ import annotations

import re

from sqlalchemy import select

from content.i18n import format_number
from insights.digest import period_figures
from insights.periods import TZ, period_containing
from storage.audit_models import HIDE, VIEW, AuditEntry
from storage.event_models import CONFIRMED, WAITING, Signup
from storage.models import Reflection
from tests.support.events import become_organiser, relaxed_flood, seed_event  # noqa: F401 - fixture
from tests.support.people import Person
from tests.support.web import client, csrf, data_app, link_for, log_in, web_app  # noqa: F401 - fixture

async def _facilitator(app, clock):
    web = client(app, clock)
    log_in(web, await link_for(app, "fia"))
    return web


async def test_the_overview_shows_the_digests_figures_with_their_definitions(data_app, clock):
    web = await _facilitator(data_app, clock)
    page = web.get("/overview").text
    with data_app.sessions() as s:
        month = period_figures(s, period_containing("month", clock().astimezone(TZ).date()), k=5)["totals"]
    assert month["reflections"] and month["participants"]
    for name in ("reflections", "participants"):
        assert f'<dd class="value">{format_number(month[name], "da")}</dd>' in page
    assert "Forskellige personer, der skrev mindst én refleksion i perioden." in page
    english = web.post("/language", data={"csrf": csrf(page), "next": "/overview"})
    assert english.headers["location"] == "/overview"
    assert "Different people who wrote at least one reflection in the period." in web.get("/overview").text


async def test_the_themes_page_draws_the_reports_chart(data_app, clock):
    web = await _facilitator(data_app, clock)
    page = web.get("/themes").text
    assert '<svg role="img" aria-labelledby="chart-themes-title"' in page
    assert re.search(r"<td>\d+ %</td>", page.replace("\xa0", " "))


async def test_quotes_are_shown_audited_and_can_be_hidden_with_a_reason(data_app, clock):
    web = await _facilitator(data_app, clock)
    page = web.get("/said").text
    ids = [int(x) for x in re.findall(r'name="reflection" value="(\d+)"', page)]
    assert ids
    with data_app.sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == VIEW)).one()
        first = s.get(Reflection, ids[0])
        assert first.text.strip()[:40] in page.replace("&#39;", "'").replace("&quot;", '"')
    assert entry.via == "web" and entry.rows == len(ids) and "fia" in entry.actor
    # Without the form's token nothing happens.
    forged = web.post("/said/hide", data={"reflection": str(ids[0]), "reason": "navn nævnt"})
    assert forged.status_code == 403
    no_reason = web.post("/said/hide", data={"csrf": csrf(page), "reflection": str(ids[0]), "reason": " "})
    assert no_reason.headers["location"] == "/said?error=reason"
    with data_app.sessions() as s:
        assert not s.get(Reflection, ids[0]).hidden
    done = web.post("/said/hide", data={"csrf": csrf(page), "reflection": str(ids[0]), "reason": "navn nævnt"})
    assert done.status_code == 303
    with data_app.sessions() as s:
        assert s.get(Reflection, ids[0]).hidden
        hide = s.scalars(select(AuditEntry).where(AuditEntry.action == HIDE)).one()
    assert hide.reason == "navn nævnt" and hide.subject == f"reflection:{ids[0]}" and hide.via == "web"
    after = web.get(done.headers["location"]).text
    assert f'value="{ids[0]}"' not in after and "Citatet er skjult." in after


async def test_an_organiser_sees_their_own_events_with_sign_up_counts_only(web_app, clock):
    olga = Person(web_app, "olga")
    await olga.onboard()
    await become_organiser(web_app, olga)
    own = seed_event(web_app, clock(), title="Fællesspisning i Aarhus", capacity=10)
    seed_event(web_app, clock(), org="Ældre Sagen Odense", municipality="Odense", title="Kortspil i Odense")
    with web_app.sessions() as s:
        people = [await _person_id(web_app, f"g{i}") for i in range(3)]
        s.add_all([Signup(event_id=own, participant_id=people[0], status=CONFIRMED, guests=1, queue_no=1),
                   Signup(event_id=own, participant_id=people[1], status=CONFIRMED, queue_no=2),
                   Signup(event_id=own, participant_id=people[2], status=WAITING, queue_no=3)])
        s.commit()
    web = client(web_app, clock)
    log_in(web, await link_for(web_app, "olga"))
    page = web.get("/events").text
    assert "Fællesspisning i Aarhus" in page and "Kortspil i Odense" not in page
    row = re.search(r"Fællesspisning i Aarhus</th>\s*<td>[^<]+</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", page)
    assert row and row.groups() == ("3", "1", "10")


async def _person_id(app, name: str) -> int:
    from storage.models import Participant

    await Person(app, name).onboard()
    with app.sessions() as s:
        return s.scalars(select(Participant.id).where(Participant.external_id == name)).one()


async def test_a_hidden_quote_is_listed_with_its_reason_and_shown_again_with_another(data_app, clock):
    web = await _facilitator(data_app, clock)
    page = web.get("/said").text
    first = int(re.findall(r'name="reflection" value="(\d+)"', page)[0])
    web.post("/said/hide", data={"csrf": csrf(page), "reflection": str(first), "reason": "et navn"})
    queue = web.get("/moderation").text
    assert f'name="reflection" value="{first}"' in queue and "Skjult, fordi: et navn" in queue
    shown = web.post("/moderation/unhide", data={"csrf": csrf(queue), "reflection": str(first), "reason": "fejl"})
    assert shown.headers["location"] == "/moderation?n=shown"
    with data_app.sessions() as s:
        assert not s.get(Reflection, first).hidden
    log = web.get("/audit").text
    assert "unhide" in log and "fejl" in log and "et navn" in log
    assert "fia" not in log  # the actor as a pseudonym, never the platform id


async def test_an_export_downloads_the_same_bytes_as_the_export_code_and_is_audited(data_app, clock):
    import io

    from bot.facilitator_reports import chat_period
    from insights.exports.run import write_export
    from insights.exports.spec import ExportSpec, validate
    from storage.audit_models import EXPORT

    web = await _facilitator(data_app, clock)
    page = web.get("/exports").text
    assert 'name="kind" value="reflections"' in page
    answer = web.post("/exports/download", data={"csrf": csrf(page), "kind": "reflections", "period": "tm",
                                                 "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="samtale-reflections-2026-11-01-2026-11-30.csv"' in answer.headers["content-disposition"]
    first, last = chat_period("tm", clock())
    expected = io.BytesIO()
    spec = validate(ExportSpec(kind="reflections", fmt="csv", first_day=first, last_day=last, every="week"))
    spec.extra.update(k=5, quotes_per_area=2, terms=15)
    with data_app.sessions() as s:
        written = write_export(s, spec, expected)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == EXPORT)).one()
    # The same file but for the pseudonyms, which are new in every export.
    got, want = answer.content.split(b"\r\n"), expected.getvalue().split(b"\r\n")
    assert got[0] == want[0] and len(got) == len(want) == written.rows + 2 and written.rows > 100
    assert entry.via == "web" and entry.rows == written.rows and entry.target == "dashboard download"
    forged = web.post("/exports/download", data={"csrf": "0" * 64, "kind": "reflections", "period": "tm",
                                                 "format": "csv"})
    assert forged.status_code == 403
    bad = web.post("/exports/download", data={"csrf": csrf(page), "kind": "passwords", "period": "tm",
                                              "format": "csv"})
    assert bad.headers["location"] == "/exports?error=1"


async def test_the_overview_is_kept_five_minutes_and_says_when_it_was_computed(data_app, clock):
    web = await _facilitator(data_app, clock)
    first = re.search(r"Tallene er beregnet ([^<]+?) og opdateres", web.get("/overview").text).group(1)
    clock.advance(minutes=4)
    assert f"beregnet {first} og" in web.get("/overview").text
    clock.advance(minutes=2)
    assert f"beregnet {first} og" not in web.get("/overview").text
