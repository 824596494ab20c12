"""Prompts from a person's side: asked once, /prompts, /pause, /resume, answering a prompt, /forget."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from bot.delivery.broadcast import broadcast_prompt
from bot.delivery.pacing import PlatformLimits, RateLimiter
from bot.delivery.quiet_hours import QuietHours
from bot.delivery.worker import Worker
from bot.delivery.worker_settings import WorkerSettings
from content.campaigns import load_campaigns
from storage.campaign_models import OutboxMessage, PromptSubscription
from storage.models import FlowState, Reflection
from tests.support.outbox import FakeSender

CAMPAIGN = load_campaigns()[0]
PROMPT = CAMPAIGN.prompts[0]
WITH_BUTTONS = CAMPAIGN.prompt("foerste-skridt")


def sub(app, name="anna") -> PromptSubscription | None:
    from storage.repo import find_participant

    with app.sessions() as s:
        p = find_participant(s, "console", name)
        return s.get(PromptSubscription, p.id) if p else None


async def deliver(app, *people, prompt=PROMPT, at=None):
    """Broadcast a prompt and drain the console outbox into the people's consoles, as the console would."""
    at = at or app.clock()
    with app.sessions.begin() as s:
        broadcast_prompt(s, prompt, now=at, send_at=at)
    sender = FakeSender(platform="console")
    settings = WorkerSettings(limits=PlatformLimits(1000, 0), poll_seconds=0.02,
                              quiet=QuietHours.parse("00:00", "00:00"))
    await Worker(app.sessions, sender, settings, rate_limiter=RateLimiter(1000), clock=app.clock).drain(timeout=10)
    by_chat = {p.name: p for p in people}
    for chat, intent, _ in sender.sent:
        by_chat[chat].console.render(intent)
        by_chat[chat].out.seek(0, 2)
    return sender


def test_every_prompt_button_fits_telegrams_64_bytes():
    from handlers.campaigns import prompt_intent
    from handlers.core.types import MAX_ACTION_BYTES

    for campaign in load_campaigns():
        for prompt in campaign.prompts:
            for lang in ("da", "en", "uk"):
                intent = prompt_intent(prompt, lang)
                assert all(len(b.action.encode()) <= MAX_ACTION_BYTES for row in intent.buttons for b in row)


async def test_asked_once_after_onboarding_and_yes_subscribes(app, person):
    anna = person()
    await anna.onboard()
    said = anna.out.getvalue()
    assert "Må jeg en gang imellem sende dig et spørgsmål" in said
    assert anna.labels == ["Ja, gerne", "Nej tak"]
    said = await anna.press("Ja, gerne")
    assert "Dejligt" in said
    s = sub(app)
    assert (s.subscribed, s.paused, s.frequency) == (True, False, "every") and s.asked_at and s.decided_at
    said = await anna.say("2")  # the question's other button, later: spent
    assert "ikke aktiv" in said
    assert sub(app).subscribed
    said = await anna.say("/start")
    assert "Velkommen tilbage" in said and "spørgsmål om fællesskab" not in said  # not asked again


async def test_no_thanks_then_prompts_command_to_change_mind(app, person):
    anna = person("anna", lang_hint="en")
    await anna.onboard(lang="en")
    said = await anna.press("No, thanks")
    assert "won't send you questions" in said and not sub(app).subscribed
    said = await anna.say("/prompts")
    assert "don't get questions" in said
    said = await anna.press("at most one a week")
    assert "Saved: at most one a week" in said and "✓ at most one a week" in anna.labels
    s = sub(app)
    assert (s.subscribed, s.frequency) == (True, "weekly")


async def test_pause_and_resume(app, person):
    anna = person()
    await anna.onboard()
    said = await anna.say("/pause")
    assert "intet at holde pause med" in said
    await anna.say("/prompts")
    await anna.press("hvert spørgsmål")
    said = await anna.say("/pause")
    assert "holder pause" in said and sub(app).paused
    assert "allerede pause" in await anna.say("/pause")
    said = await anna.say("/prompts")
    assert "holder pause" in said and "Få spørgsmål igen" in anna.labels
    said = await anna.say("/resume")
    assert "Velkommen tilbage" in said and not sub(app).paused
    assert "allerede spørgsmål" in await anna.say("/resume")


async def test_people_onboarded_before_prompts_existed_are_asked_at_start(app, person):
    anna = person()
    await anna.onboard()
    with app.sessions.begin() as s:
        s.execute(delete(PromptSubscription))
    said = await anna.say("/start")
    assert "Velkommen tilbage" in said and "Må jeg en gang imellem" in said


async def test_commands_need_consent(person):
    for command in ("/prompts", "/pause", "/resume"):
        assert "/start" in await person("stranger").say(command)


async def test_a_reply_after_a_prompt_is_a_reflection_on_it(app, person):
    anna, bo = person("anna"), person("bo")
    for p in (anna, bo):
        await p.onboard()
        await p.press("Ja, gerne")
    sender = await deliver(app, anna, bo)
    assert len(sender.sent) == 2
    assert PROMPT.text["da"] in anna.out.getvalue() and anna.labels == ["Svar", "Ikke nu"]
    said = await anna.say("Hvis vi havde en fælles bænk i gården")
    assert "gemt" in said
    said = await anna.say("Og noget mere, senere")  # the question is answered; this is free text
    await bo.press("Svar")
    said = await bo.say("Et smil i opgangen")
    assert "gemt" in said
    with app.sessions() as s:
        rows = [(r.text, r.prompt_id) for r in s.scalars(select(Reflection).order_by(Reflection.id))]
    assert rows == [("Hvis vi havde en fælles bænk i gården", PROMPT.ref), ("Og noget mere, senere", None),
                    ("Et smil i opgangen", PROMPT.ref)]


async def test_quick_reply_not_now_and_a_late_answer(app, person, clock):
    anna, bo, cy = person("anna"), person("bo"), person("cy")
    for p in (anna, bo, cy):
        await p.onboard()
        await p.press("Ja, gerne")
    await deliver(app, anna, bo, cy, prompt=WITH_BUTTONS)
    assert anna.labels == ["En at følges med", "At vide, hvad der skal ske", "At nogen tager imod mig", "Svar",
                           "Ikke nu"]
    said = await anna.press("En at følges med")
    assert "gemt" in said
    said = await bo.press("Ikke nu")
    assert "Helt i orden" in said
    await bo.say("Bare en tanke")
    clock.advance(days=4)  # long after: free text
    await cy.say("Jeg kom i tanke om noget")
    with app.sessions() as s:
        rows = [(r.text, r.prompt_id) for r in s.scalars(select(Reflection).order_by(Reflection.id))]
        assert s.scalar(select(func.count()).select_from(FlowState)) == 0
    assert rows == [("En at følges med", WITH_BUTTONS.ref), ("Bare en tanke", None),
                    ("Jeg kom i tanke om noget", None)]


async def test_forged_prompt_buttons_are_stale(app, person):
    anna = person()
    await anna.onboard()
    for action in ["cp", "cp:a", "cp:a:nope/nope", "cp:q:vinter-2026/nabo-hej:9", "cp:q:vinter-2026/nabo-hej:x",
                   "cs", "cs:zz", "cs:f:daily"]:
        anna.console.choices = []
        from handlers.core.types import Incoming
        out = await app.dispatcher.handle(Incoming(platform="console", chat_id="anna", user_id="anna", action=action))
        assert out and "ikke aktiv" in out[-1].text, action


async def test_forget_removes_subscription_and_queued_prompts(app, person):
    anna = person()
    await anna.onboard()
    await anna.press("Ja, gerne")
    with app.sessions.begin() as s:
        broadcast_prompt(s, PROMPT, now=app.clock(), send_at=app.clock())
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    await anna.say("/forget")
    await anna.press("Ja, slet alt")
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert s.scalar(select(func.count()).select_from(PromptSubscription)) == 0


async def test_pausing_cancels_what_is_queued(app, person):
    anna = person()
    await anna.onboard()
    await anna.press("Ja, gerne")
    later = app.clock() + timedelta(hours=1)
    with app.sessions.begin() as s:
        broadcast_prompt(s, PROMPT, now=later, send_at=later)
    await anna.say("/pause")
    with app.sessions() as s:
        assert s.scalars(select(OutboxMessage.status)).all() == ["cancelled"]


async def test_forget_while_the_prompt_is_on_its_way_harms_nobody_else(app, person):
    """The person erased between claim and record: the others in the same commit are recorded once."""
    from bot.delivery.worker import Worker
    from bot.delivery.worker_settings import WorkerSettings

    anna, bo = person("anna"), person("bo")
    for p in (anna, bo):
        await p.onboard()
        await p.press("Ja, gerne")
    now = app.clock()
    with app.sessions.begin() as s:
        broadcast_prompt(s, PROMPT, now=now, send_at=now)
    sender = FakeSender(platform="console")
    settings = WorkerSettings(limits=PlatformLimits(1000, 0), quiet=QuietHours.parse("00:00", "00:00"))
    w = Worker(app.sessions, sender, settings, rate_limiter=RateLimiter(1000), clock=app.clock)
    claimed = w._claim(10)
    assert len(claimed) == 2
    await anna.say("/forget")
    await anna.press("Ja, slet alt")
    w._record([(row, await sender.send(row.chat_id, None, key=row.dedupe_key)) for row in claimed])
    with app.sessions() as s:
        assert s.scalars(select(OutboxMessage.status)).all() == ["sent"]
        assert s.scalar(select(func.count()).select_from(FlowState)) == 1  # bo's open question


async def test_mydata_material_for_prompts(app, person):
    from handlers.campaigns import subscription_document
    from storage.repo import find_participant

    anna = person()
    await anna.onboard()
    await anna.press("Ja, gerne")
    await deliver(app, anna)
    with app.sessions() as s:
        doc = subscription_document(s, find_participant(s, "console", "anna").id)
    assert doc["subscribed"] and doc["frequency"] == "every" and doc["messages"][0]["ref"] == PROMPT.ref
    assert doc["messages"][0]["status"] == "sent" and doc["messages"][0]["sent_at"]
