"""Consent people understand (issue 26, item 6): three plain lines first, the details behind "Læs mere"
(who is responsible, how to reach them, how long things are kept, Datatilsynet), and a walk needs only a
sign-up consent, not the yes to keeping reflections."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage.event_models import Signup
from storage.models import Consent, Participant, Reflection
from storage.retention import purge_pending
from tests.support.app import make_app
from tests.support.events import relaxed_flood, seed_event  # noqa: F401 - fixture
from tests.support.people import Person

CONTROLLER = {"controller_name": "Partnerskabet mod ensomhed, sekretariatet",
              "controller_contact": "privatliv@example.org"}


def count(app, model, *where) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def before_buttons(said: str) -> str:
    return said.split("[1]")[0]


async def test_the_first_screen_is_three_plain_lines_and_a_read_more(person):
    inger = person("inger")
    said = before_buttons(await inger.say("/start"))
    bullets = [line for line in said.splitlines() if line.strip().startswith("•")]
    assert len(bullets) == 3 and "chatbot" in said and "uden dit navn" in said
    assert len(said.split()) < 70  # the old form was 150 words before the first button
    assert "Læs mere" in inger.labels and "/withdraw" not in said


async def test_read_more_names_who_is_responsible_how_long_and_datatilsynet(tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, clock,
                   privacy={**CONTROLLER, "retention_days": 90})
    try:
        inger = Person(app, "inger")
        await inger.say("/start")
        said = await inger.press("Læs mere")
        assert "Partnerskabet mod ensomhed, sekretariatet" in said and "privatliv@example.org" in said
        assert "efter 90 dage" in said and "efter 24 timer" in said
        assert "Datatilsynet" in said and "www.datatilsynet.dk" in said
        assert "Ja, jeg giver samtykke" in inger.labels  # the question is still open
        await inger.press("Ja, jeg giver samtykke")
        with app.sessions() as s:
            kept = s.scalars(select(Consent)).one()
            assert "privatliv@example.org" in kept.text and "efter 90 dage" in kept.text
        ahmad = Person(app, "ahmad", lang_hint="en")
        said = await ahmad.say("/privacy")
        assert "privatliv@example.org" in said and "after 90 days" in said and "Datatilsynet" in said
    finally:
        app.engine.dispose()


async def test_an_unset_controller_is_shown_as_not_set(person):
    said = await person("anna").say("/privacy")
    assert "NOT SET: privacy.controller_name" in said and "365 dage" in said


async def test_someone_who_said_no_can_still_join_a_walk(app, person, clock):
    event_id = seed_event(app, clock(), title="Gåtur ved åen")
    inger = person("inger")
    await inger.say("/start")
    said = await inger.press("Nej tak")
    assert "/events" in said
    await inger.say("/events Aarhus")
    said = await inger.press("Tilmeld mig")
    assert "Vil du melde dig til »Gåtur ved åen«" in said and "gemmer jeg ikke" in said
    assert count(app, Signup) == 0
    said = await inger.press("Ja, meld mig til")
    assert "du er tilmeldt »Gåtur ved åen«" in said
    assert count(app, Signup, Signup.event_id == event_id) == 1
    # What she writes is still not kept.
    said = await inger.say("Jeg glæder mig til at komme ud og gå med nogen")
    assert "Jeg gemmer ikke" in said and count(app, Reflection) == 0
    with app.sessions() as s:
        kinds = [(c.purpose, c.granted) for c in s.scalars(select(Consent).order_by(Consent.id))]
        assert kinds == [("reflections", False), ("events", True)]
    said = await inger.say("/myevents")
    shown = [b.label for r in inger.replies() for row in r.buttons for b in row]
    assert "Gåtur ved åen" in said and "Afmeld" in shown and "Skift navn" not in shown
    # A second walk needs no second question.
    other = seed_event(app, clock(), title="Kor i kirken", days=9)
    await inger.say("/events Aarhus")
    said = await inger.press("Tilmeld mig")
    assert "du er tilmeldt" in said and count(app, Signup, Signup.event_id == other) == 1


async def test_no_to_the_sign_up_question_signs_up_nobody(app, person, clock):
    seed_event(app, clock())
    ahmad = person("ahmad", lang_hint="en")
    await ahmad.say("/events Aarhus")
    said = await ahmad.press("Sign me up")
    assert "Would you like to sign up" in said and "I do not keep what you write" in said
    said = await ahmad.press("No thanks")
    assert "not signed up" in said and count(app, Signup) == 0


async def test_a_sign_up_without_any_other_yes_outlives_the_pending_purge(app, person, clock):
    event_id = seed_event(app, clock(), days=7)
    ahmad = person("ahmad", lang_hint="en")
    await ahmad.say("/events Aarhus")  # never typed /start
    await ahmad.press("Sign me up")
    said = await ahmad.press("Yes, sign me up")
    # Signed up, and not asked for a name or told to /start: the sign-up yes covers just that.
    assert "signed up" in said and "Type /start" not in said and "Which name" not in said
    clock.advance(days=2)
    with app.sessions() as s:
        assert purge_pending(s, clock()) == 0
    assert count(app, Signup, Signup.event_id == event_id) == 1 and count(app, Participant) == 1


async def test_a_shared_link_and_a_no_still_end_at_the_event(app, person, clock):
    event_id = seed_event(app, clock(), title="Fællesspisning")
    nina = person("nina")
    await nina.say(f"/start ev_{event_id}")
    said = await nina.press("Nej tak")
    assert "Fællesspisning" in said and "Tilmeld mig" in nina.labels
    await nina.press("Tilmeld mig")
    said = await nina.press("Ja, meld mig til")
    assert "du er tilmeldt" in said


async def test_withdrawing_the_yes_to_reflections_leaves_a_sign_up_in_place(app, person, clock):
    seed_event(app, clock())
    anna = person("anna")
    await anna.onboard()
    await anna.say("/events Aarhus")
    said = await anna.press("Tilmeld mig")
    assert "du er tilmeldt" in said  # the full yes covers sign-ups: no second question
    await anna.say("/withdraw")
    await anna.press("behold")
    assert count(app, Signup) == 1
    with app.sessions() as s:
        assert [c.purpose for c in s.scalars(select(Consent))] == ["reflections"]
