"""Closing the loop, on the console with a fake clock: seven people answer a prompt and see what others said;
a facilitator marks an action-plan item done and the opted-in people who wrote about its theme are told
once; all of it is in /mydata and gone after /forget."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from bot.app import build_app, results_rules
from bot.delivery.broadcast import broadcast_prompt
from bot.maintenance import deliver_ready_summaries
from content.action_plan import Item
from content.campaigns import find_prompt, load_campaigns
from handlers.action_plan import tell
from handlers.core.flood import Limits
from storage.audit_models import AuditEntry
from storage.campaign_models import CampaignSend, OutboxMessage
from storage.insight_models import SummaryRequest
from storage.loop_models import ActionNotice, ActionStatusChange, UpdatePreference
from storage.loop_queries import notices_sent
from tests.support.drivers.console import ConsoleTown
from tests.support.people import incoming

PROMPT = "vinter-2026/nabo-hej"
ANSWERS = [
    "Et smil i opgangen ville gøre det lettere at hilse på naboen",
    "Hvis vi havde en gårdfest, ville jeg kende mine naboer bedre",
    "Jeg tør ikke banke på hos naboen, men en seddel i opgangen hjælper",
    "Naboerne i vores boligforening mødes aldrig, det savner jeg",
    "Et fælleshus i boligområdet ville samle os naboer",
    "Min nabo hilser altid, det gør min dag bedre",
    "Vi kunne spise sammen i opgangen en gang om måneden med naboerne",
]


@pytest.fixture
def town(app, clock):
    app.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    return ConsoleTown(app, clock)


PLAN = """year = 2026

[[items]]
id = "naboskab"
title = "Naboskab i almene boligområder"
area = "hjem"
owner = "Boligorganisationernes netværk"
status = "started"
milestones = ["Ti boligområder med i forsøget"]
prompts = ["vinter-2026/nabo-hej"]
report_url = "https://example.org/rapport-2026#naboskab"
"""


def facilitator_in(app, clock, report_folder=None):
    settings = app.settings.model_copy(update={"roles": app.settings.roles.model_copy(
        update={"facilitators": ["console:fia"]})})
    fac = build_app(settings, clock=clock)
    fac.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    fac.dispatcher.services = replace(fac.dispatcher.services, report_folder=report_folder)
    return fac


@pytest.fixture
def facilitator(app, clock, tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "action_plan_2026.toml").write_text(PLAN, encoding="utf-8")
    fac = facilitator_in(app, clock, str(tmp_path / "report"))
    yield ConsoleTown(fac, clock).person("fia")
    fac.engine.dispose()


async def seven_answer(app, clock, town) -> list:
    people = []
    for i in range(7):
        p = town.person(f"p{i}")
        await p.onboard()
        await p.press("Ja, gerne")  # prompts now and then
        people.append(p)
    prompt = find_prompt(load_campaigns(), PROMPT)
    with app.sessions.begin() as s:
        broadcast_prompt(s, prompt, now=clock(), send_at=clock())
        s.add(CampaignSend(campaign_id="vinter-2026", prompt_id=PROMPT, decided_at=clock(), send_at=clock(),
                           outcome="manual"))
    await town.deliver()
    for p, text in zip(people, ANSWERS):
        assert "Hvad ville gøre det lidt lettere at sige hej til en nabo?" in town.received(p.name)[0]
        said = await p.say(text)
        assert "gemt" in said and "Vil du se, hvad andre svarede, når der er svar nok?" in said
        await p.press("Ja, vis mig det")
        clock.advance(minutes=5)
    return people


async def test_seven_answer_each_is_offered_the_results_and_gets_the_theme_and_quotes(app, clock, town):
    people = await seven_answer(app, clock, town)
    # The first six wait for enough answers; the seventh makes it ready and it goes to everyone.
    assert "når der er svar nok" in people[0].replies()[-1].text or "overblik" in people[0].replies()[-1].text
    assert "Overblikket kommer" in people[6].replies()[-1].text
    await town.deliver()
    for p, own in zip(people, ANSWERS):
        [summary] = [t for t in town.received(p.name) if t.startswith("Sådan svarede andre")]
        assert "personer har svaret" in summary and "hjem og bolig" in summary  # one theme: shown
        assert own not in summary  # never the reader's own words
        assert sum(a in summary for a in ANSWERS) in (1, 2)  # quotes the rules allow (quoting allowed)
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SummaryRequest).where(SummaryRequest.sent_at.is_(None))) == 0
    # The hourly job finds nothing more to send, and nobody gets it twice.
    assert deliver_ready_summaries(app.sessions, clock(), results_rules(app.settings)) == 0
    await town.deliver()
    assert sum(t.startswith("Sådan svarede") for t in town.received("p0")) == 1
    # /svar lists the prompt one answered; pressing it again says it was sent.
    said = await people[0].say("/svar")
    assert "Hvilket spørgsmål" in said
    await people[0].press("Hvad ville gøre")
    assert "allerede sendt" in people[0].replies()[-1].text


async def test_four_answers_wait_until_the_prompt_closes_then_too_few(app, clock, town):
    people = []
    for i in range(4):
        p = town.person(f"q{i}")
        await p.onboard()
        people.append(p)
    with app.sessions.begin() as s:
        s.add(CampaignSend(campaign_id="vinter-2026", prompt_id=PROMPT, decided_at=clock(), send_at=clock(),
                           outcome="manual"))
    for p, text in zip(people, ANSWERS):
        await app.dispatcher.handle(incoming(chat_id=p.name, user_id=p.name, action=f"cp:a:{PROMPT}"))
        await p.say(text)
        await p.press("Ja, vis mig det")
    assert deliver_ready_summaries(app.sessions, clock(), results_rules(app.settings)) == 0
    clock.advance(hours=73)
    assert deliver_ready_summaries(app.sessions, clock(), results_rules(app.settings)) == 4
    await town.deliver()
    assert all("for få svar" in town.received(p.name)[-1] for p in people)


async def test_an_item_done_tells_the_opted_in_who_wrote_about_its_theme_once(app, clock, town, facilitator):
    people = await seven_answer(app, clock, town)
    await town.deliver()
    for p in people[:3]:  # three opt in, in /settings
        await p.say("/settings")
        await p.press("Ja tak til besked")
        assert "partnerskabet handler på det, du skrev om: til" in p.replies()[-1].text
    said = await facilitator.say("/plan")
    assert "naboskab" in said and "i gang" in said
    said = await facilitator.say("/plan naboskab færdig")
    assert "3 personer" in said
    assert "allerede" in await facilitator.say("/plan naboskab færdig")
    await town.deliver()
    for p in people:
        notices = [t for t in town.received(p.name) if "partnerskabet mod ensomhed" in t]
        assert len(notices) == (1 if p in people[:3] else 0)
    assert "Naboskab i almene boligområder" in notices_of_first(town, people)
    assert "Læs mere: https://example.org/rapport-2026#naboskab" in notices_of_first(town, people)
    with app.sessions() as s:
        assert notices_sent(s, 2026) == 3
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "action-plan")).one()
        assert entry.subject == "2026:naboskab" and entry.rows == 3
    # At most one a month: another item on the same theme tells nobody now, everyone a month later.
    other = Item("nabo-2", "Nabohjælp", "hjem", "BL", "started", report_url="https://example.org/#n2")
    with app.sessions.begin() as s:
        assert tell(s, 2026, other, "started", clock()) == 0
    clock.advance(days=31)
    with app.sessions.begin() as s:
        assert tell(s, 2026, other, "started", clock()) == 3

    # /mydata shows it all; /forget erases it all (the record of what the partnership did remains).
    anna = people[0]
    await anna.say("/mydata")
    [doc] = anna.documents()
    data = json.loads(doc.content)
    assert data["results"]["requests"][0]["prompt"] == PROMPT and data["results"]["requests"][0]["sent_at"]
    assert data["action_updates"]["wants_action_updates"] is True
    assert {n["item"] for n in data["action_updates"]["notices"]} == {"naboskab", "nabo-2"}
    # The messages the outbox sent: the prompt and its results (ref: the prompt), the action notices.
    assert {PROMPT, "2026:naboskab:done", "2026:nabo-2:started"} <= {m["ref"] for m in data["prompts"]["messages"]}
    await anna.say("/forget")
    await anna.press("Ja")
    with app.sessions() as s:
        pid_rows = [(model, s.scalar(select(func.count()).select_from(model))) for model in
                    (SummaryRequest, ActionNotice, UpdatePreference)]
        assert dict(pid_rows) == {SummaryRequest: 6, ActionNotice: 4, UpdatePreference: 2}
        assert s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.kind.in_(("summary", "action")))) == 6 + 4
        assert s.scalar(select(func.count()).select_from(ActionStatusChange)) == 1


def notices_of_first(town, people) -> str:
    return next(t for t in town.received(people[0].name) if "partnerskabet" in t)


async def test_the_shipped_example_plan_tells_nobody(app, clock, town):
    people = await seven_answer(app, clock, town)
    await people[0].say("/settings")
    await people[0].press("Ja tak til besked")
    fac = facilitator_in(app, clock)
    try:
        said = await ConsoleTown(fac, clock).person("fia").say("/plan naboskab færdig")
    finally:
        fac.engine.dispose()
    assert "et eksempel" in said and "0 personer" in said
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActionNotice)) == 0
