"""The annual report answers the mandate: status of the action plan, activities, preliminary results —
each headline figure with its definition, numbers in agreement with their words, nothing about fewer
than k people, and nothing written for the facilitators."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, update

from bench.analytics import generate
from content.action_plan import ActionPlanError, load_action_plan, parse_action_plan
from insights.exports.html import render_report
from insights.exports.report import build_report, year
from storage.campaign_models import SENT, OutboxMessage
from storage.event_models import Event, Organisation, OrganiserMembership
from storage.insight_models import DigestDelivery
from storage.models import Reflection
from storage.outbox import enqueue
from tests.insights.test_report import generate_events

AFTER = datetime(2027, 1, 5, 9, tzinfo=timezone.utc)  # the year is over
DURING = datetime(2026, 12, 20, 9, tzinfo=timezone.utc)  # the year is not
PLAN = """year = 2026
[[goals]]
id = "faerre"
title = "Færre føler sig ensomme"
[[items]]
id = "naboskab"
title = "Naboskab i opgangen"
area = "hjem"
owner = "Boligselskaberne"
status = "started"
milestones = ["Ti boligområder"]
note = "Godt i gang."
prompts = ["vinter-2026/nabo-hej"]
[[items]]
id = "skole"
title = "Trivsel i frikvarteret"
area = "uddannelse"
owner = "Skolerne"
status = "done"
[[items]]
id = "fritid"
title = "Foreningsliv for nye"
area = "fritid"
owner = "Kommunerne"
status = "planned"
"""
FINDINGS = """[areas.hjem]
text = "Mange savner at hilse på naboen."
approved_by = "Sekretariatet"
approved_on = 2027-01-04
"""


class _Prompt:
    text = "Hvad ville gøre det lettere at sige hej til en nabo?"
    buttons = ()


def _campaign(app, *, reached: int, answered: int, ref: str = "vinter-2026/nabo-hej") -> None:
    """`reached` people got the prompt on 8 December 2026; the first `answered` of them replied."""
    sent = datetime(2026, 12, 8, 9, tzinfo=timezone.utc)
    with app.sessions() as s:
        for pid in range(1, reached + 1):
            enqueue(s, kind="prompt", ref=ref, participant_id=pid, platform="console", intent=_Prompt(), now=sent)
        s.execute(update(OutboxMessage).where(OutboxMessage.ref == ref).values(status=SENT, sent_at=sent))
        s.execute(insert(Reflection), [{"participant_id": pid, "text": "Et smil i opgangen hjælper.", "language": "da",
                                        "created_at": sent + timedelta(hours=2), "areas": ["hjem"], "prompt_id": ref}
                                       for pid in range(1, answered + 1)])
        s.commit()


@pytest.fixture
def mandate_data(sqlite_app, tmp_path):
    """A year of reflections and events, a campaign, one organiser, one delivered digest, a plan and a finding."""
    generate(sqlite_app.settings.database.url, 3000, 400)
    generate_events(sqlite_app, people=400)
    _campaign(sqlite_app, reached=120, answered=40)
    with sqlite_app.sessions() as s:
        org = s.scalars(select(Organisation).order_by(Organisation.id)).first()
        s.add(OrganiserMembership(participant_id=7, organisation_id=org.id))
        s.add(DigestDelivery(digest_id="samtale-digest-2026-W49", digest_key="x", period="2026-W49", sink="folder",
                             kind="folder", status="delivered", requested_by="test",
                             started_at=datetime(2026, 12, 8, tzinfo=timezone.utc)))
        s.commit()
    (tmp_path / "action_plan_2026.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "findings_2026.toml").write_text(FINDINGS, encoding="utf-8")
    return sqlite_app, tmp_path


def test_report_shows_status_activities_and_results_with_definitions(mandate_data):
    app, folder = mandate_data
    with app.sessions() as s:
        report = build_report(s, year(2026), now=AFTER, content=folder)
    html = render_report(report, "da")
    # Status: each item with its state, and the count per area and state.
    for words in ("Status for strategien og handlingsplanen", "Naboskab i opgangen", "Boligselskaberne", "i gang",
                  "gennemført", "planlagt", "Færre føler sig ensomme", "Indsatser pr. indsatsområde og status"):
        assert words in html
    assert "Eksempel:" not in html  # this plan is not the sample
    # Activities: the campaign, by area; events held and planned; one municipality with an organiser; one digest.
    acts = report["mandate"]["activities"]
    (winter,) = acts["campaigns"]
    assert winter["id"] == "vinter-2026" and "Vinterens samtaler" in html and "Kampagner" in html
    assert abs(winter["reached"] - 120) <= 6 and abs(winter["answered"] - 40) <= 5
    assert winter["share"] == pytest.approx(winter["answered"] / winter["reached"], abs=1e-4)
    assert [a["area"] for a in acts["campaign_areas"]] == ["hjem"]
    assert acts["organiser_municipalities"] == 1 and "1</span><span class=\"label\">kommune med aktive arrangører" in html
    assert acts["digests_delivered"] == 1 and "overblik leveret til videnbasen" in html
    assert acts["events_planned"] == 0 and "0</span><span class=\"label\">arrangementer planlagt" in html
    # The plan's item tied to the prompt shows how many answered it, through the same layer.
    naboskab = report["mandate"]["status"]["items"][0]
    assert abs(naboskab["answered"] - 40) <= 5
    # Results: the approved finding where there is one, the placeholder elsewhere — never made-up text.
    assert "Mange savner at hilse på naboen." in html and "Skrevet eller godkendt af Sekretariatet" in html
    assert html.count("Sammenfatningen skrives eller godkendes af en facilitator") == 4
    # Every headline figure has its definition beside it; the year is over, so nothing is "foreløbig".
    assert "Forskellige personer, der skrev mindst én refleksion i perioden." in html
    assert "også dem, der ikke har skrevet endnu" in html
    assert "(foreløbig)" not in html and "class=\"provisional\"" not in html
    # No earlier year: no word is called new, and there is no change column.
    assert "Ord, mange brugte" in html and "(ny" not in html and "Ændring i andel" not in html
    english = render_report(build_report(app.sessions(), year(2026), now=AFTER, content=folder, lang="en"), "en")
    assert "Status of the strategy and the action plan" in english and "1</span><span class=\"label\">municipality with" in english


def test_a_period_not_over_is_preliminary_and_planned_events_are_not_held(mandate_data):
    app, folder = mandate_data
    with app.sessions() as s:
        s.execute(update(Event).where(Event.starts_at >= datetime(2026, 12, 20, tzinfo=timezone.utc))
                  .values(starts_at=datetime(2027, 2, 1, 17, tzinfo=timezone.utc)))
        later = s.scalar(select(Event).where(Event.starts_at > DURING).limit(1))
        s.commit()
        report = build_report(s, year(2026), now=DURING, content=folder)
    assert later is not None and report["mandate"]["provisional"]
    held, planned = report["local"]["events"], report["mandate"]["activities"]["events_planned"]
    with app.sessions() as s:
        not_cancelled = s.scalar(select(Event.id).where(Event.status != "cancelled").order_by(Event.id.desc()))
    assert planned >= 1 and held + planned <= not_cancelled
    html = render_report(report, "da")
    assert "Foreløbig." in html and "(foreløbig)" in html and "gælder til og med 20. december 2026" in html


def test_one_planned_event_reads_in_the_singular(mandate_data):
    app, folder = mandate_data
    with app.sessions() as s:
        first = s.scalar(select(Event).where(Event.status != "cancelled").order_by(Event.id))
        first.starts_at = datetime(2027, 3, 1, 17, tzinfo=timezone.utc)
        s.commit()
        html = render_report(build_report(s, year(2026), now=AFTER, content=folder), "da")
    assert "1</span><span class=\"label\">arrangement planlagt" in html


def test_a_campaign_that_reached_few_is_hidden(sqlite_app, tmp_path):
    generate(sqlite_app.settings.database.url, 300, 60)
    _campaign(sqlite_app, reached=4, answered=2)
    with sqlite_app.sessions() as s:
        report = build_report(s, year(2026), now=AFTER, content=tmp_path)
    (winter,) = report["mandate"]["activities"]["campaigns"]
    assert winter["reached"] is None and winter["answered"] is None and winter["sent"] is None
    html = render_report(report, "da")
    assert "Der er endnu ingen handlingsplan for 2026" in html  # no plan in this folder


def test_the_sample_plan_is_marked_and_mistakes_are_named():
    sample = load_action_plan(2026)
    assert sample is not None and sample.example and all("eksempel" in i.title.lower() for i in sample.items)
    with pytest.raises(ActionPlanError, match=r"items\[0\] \(x\): status must be one of planned, started, done"):
        parse_action_plan('year = 2026\n[[items]]\nid = "x"\ntitle = "X"\narea = "hjem"\nowner = "O"\nstatus = "doing"',
                          "action_plan_2026.toml")
    with pytest.raises(ActionPlanError, match="area must be the theme id"):
        parse_action_plan('year = 2026\n[[items]]\nid = "x"\ntitle = "X"\narea = "hjem og bolig"\nowner = "O"\n'
                          'status = "done"', "action_plan_2026.toml")
    with pytest.raises(ActionPlanError, match="prompts are campaign/prompt ids"):
        parse_action_plan('year = 2026\n[[items]]\nid = "x"\ntitle = "X"\narea = "hjem"\nowner = "O"\n'
                          'status = "done"\nprompts = ["nabo-hej"]', "action_plan_2026.toml")


def test_an_items_own_report_is_a_link_not_a_fetch(sqlite_app, tmp_path):
    (tmp_path / "action_plan_2026.toml").write_text(
        PLAN + 'report_url = "https://example.org/fritid"\n', encoding="utf-8")
    with sqlite_app.sessions() as s:
        html = render_report(build_report(s, year(2026), now=AFTER, content=tmp_path), "da")
    assert '<a href="https://example.org/fritid" rel="noopener">Indsatsens egen rapport</a>' in html
    with pytest.raises(ActionPlanError, match="report_url must be an https:// address"):
        parse_action_plan(PLAN + 'report_url = "http://example.org/fritid"\n', "action_plan_2026.toml")
