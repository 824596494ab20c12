"""The loneliness check-in as a person meets it: offered after 7 days, separate consent, answers, the offer
of someone to talk to after a high score, /mydata, /forget and withdrawal, quiet hours, crisis words."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.checkins import queue_checkin_offers
from bot.delivery.quiet_hours import QuietHours
from handlers.core.types import ReplyKind
from storage.checkin_models import Checkin, CheckinPrefs
from storage.checkin_queries import CheckinRules
from storage.models import Reflection
from tests.support.drivers.console_outbox import deliver_console
from tests.support.people import Person, incoming

RULES = CheckinRules()
NO_QUIET = QuietHours.parse("00:00", "00:00")
CRISIS_DA = "jeg vil ikke leve mere"


def offers(app, quiet: QuietHours = NO_QUIET) -> int:
    return queue_checkin_offers(app.sessions, RULES, quiet, app.clock())


def count(app, model) -> int:
    with app.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def answer(person: Person, *labels: str) -> str:
    said = ""
    for label in labels:
        said = await person.press(label)
    return said


async def test_a_whole_check_in_from_offer_to_forget(app, clock):
    anna = Person(app, "anna")
    await anna.onboard()
    assert offers(app) == 0  # too soon after joining
    assert "7 dage" in await anna.say("/checkin")
    clock.advance(days=7)
    assert offers(app) == 1
    assert offers(app) == 0  # queued once, whatever reruns
    delivered = await deliver_console(app, anna)
    assert any("fire korte spørgsmål" in t for t in delivered)
    assert "Spørg mig ikke igen" in anna.labels and "Vil ikke svare" in anna.labels
    said = await anna.press("Ja, gerne")
    assert "Samtykke til check-in" in said and "helbred" in said
    said = await anna.press("Ja, jeg giver samtykke")
    assert "Spørgsmål 1 af 4" in said and "savner nogen at være sammen med" in said
    assert {"Vil ikke svare", "Spørg mig ikke igen"} <= set(anna.labels)
    await answer(anna, "Ofte", "Ofte")
    said = await anna.press("Nogle gange")  # 3 + 3 + 2 = 8
    assert "Hvor ofte føler du dig ensom?" in said
    said = await anna.press("Noget af tiden")
    assert "Tak, fordi du svarede" in said
    assert "tale med nogen" in said  # a high score: an offer, never a label
    assert "svær ensomhed" not in said and "tegn på" not in said
    assert "Livslinien" in await anna.press("Ja, vis mig hvem")
    with app.sessions() as s:
        row = s.scalars(select(Checkin)).one()
        assert (row.companionship, row.left_out, row.isolated, row.score, row.direct) == (3, 3, 2, 8, "some")
        assert row.age_band == "30-49" and row.region == "Region Midtjylland"
    await anna.say("/mydata")
    held = json.loads(anna.documents()[0].content)["checkins"]
    assert held["consent"]["text"].startswith("Samtykke til check-in")
    assert [(c["score"], c["companionship"], c["direct"]) for c in held["checkins"]] == [(8, 3, "some")]
    assert "Næste check-in" in await anna.say("/checkin")  # within the 90 days
    await anna.say("/forget")
    await anna.press("Ja, slet alt")
    assert count(app, Checkin) == 0 and count(app, CheckinPrefs) == 0


async def test_a_low_score_gets_thanks_and_no_offer(app, clock):
    bo = Person(app, "bo")
    await bo.onboard()
    clock.advance(days=8)
    await bo.say("/checkin")
    await bo.press("Ja, jeg giver samtykke")
    await answer(bo, "Sjældent", "Sjældent", "Sjældent")
    said = await bo.press("Aldrig")
    assert "Tak, fordi du svarede" in said and "tale med nogen" not in said


async def test_often_on_the_direct_question_alone_leads_to_the_offer(app, clock):
    cai = Person(app, "cai")
    await cai.onboard()
    clock.advance(days=8)
    await cai.say("/checkin")
    await cai.press("Ja, jeg giver samtykke")
    await answer(cai, "Sjældent", "Nogle gange", "Sjældent")  # 4: no sign on the scale
    assert "tale med nogen" in await cai.press("Ofte eller altid")


async def test_crisis_words_during_the_check_in_get_the_crisis_reply_first_and_nothing_is_stored(app, clock):
    dan = Person(app, "dan")
    await dan.onboard()
    clock.advance(days=8)
    await dan.say("/checkin")
    await dan.press("Ja, jeg giver samtykke")
    await dan.press("Ofte")
    await dan.say(CRISIS_DA)
    assert dan.replies()[0].kind == ReplyKind.CRISIS
    assert "70 201 201" in dan.replies()[0].text
    assert count(app, Reflection) == 0 and count(app, Checkin) == 0
    # The questions are still there to answer, or to leave.
    said = await dan.say("/checkin")
    assert "Spørgsmål 1 af 4" in said


async def test_typed_text_during_the_check_in_is_neither_an_answer_nor_a_reflection(app, clock):
    eva = Person(app, "eva")
    await eva.onboard()
    clock.advance(days=8)
    await eva.say("/checkin")
    await eva.press("Ja, jeg giver samtykke")
    said = await eva.say("ofte tror jeg")
    assert "Tryk på et af svarene" in said and "Spørgsmål 1 af 4" in said
    assert count(app, Reflection) == 0


async def test_rather_not_answer_stores_nothing_and_never_again_stops_the_offers(app, clock):
    finn = Person(app, "finn")
    await finn.onboard()
    clock.advance(days=8)
    await finn.say("/checkin")
    await finn.press("Ja, jeg giver samtykke")
    await finn.press("Ofte")
    assert "ikke gemt noget" in await finn.press("Vil ikke svare")
    assert count(app, Checkin) == 0
    clock.advance(days=91)
    assert offers(app) == 1
    await deliver_console(app, finn)
    assert "spørger dig ikke igen" in await finn.press("Spørg mig ikke igen")
    clock.advance(days=365)
    assert offers(app) == 0


async def test_refusing_the_check_in_consent_stores_no_answers(app, clock):
    gry = Person(app, "gry")
    await gry.onboard()
    clock.advance(days=8)
    await gry.say("/checkin")
    said = await gry.press("Nej tak")
    assert "gemmer ingen svar" in said
    with app.sessions() as s:
        assert s.scalars(select(CheckinPrefs)).one().consented_at is None


async def test_offers_wait_for_quiet_hours_and_the_interval(app, clock):
    hans = Person(app, "hans")
    await hans.onboard()
    clock.advance(days=7)
    night = QuietHours.parse("00:00", "23:59")  # the whole day is quiet
    assert offers(app, night) == 0
    assert offers(app) == 1
    clock.advance(days=89)
    assert offers(app) == 0
    clock.advance(days=2)
    assert offers(app) == 1


async def test_only_people_of_15_or_more_are_asked(app, clock):
    ida = Person(app, "ida")
    await ida.onboard(age="Foretrækker")  # no age band: we do not know that she is 15
    clock.advance(days=8)
    assert offers(app) == 0
    assert "15 år" in await ida.say("/checkin")


async def test_withdrawing_the_check_in_consent_erases_the_answers(app, clock):
    jon = Person(app, "jon")
    await jon.onboard()
    clock.advance(days=8)
    await jon.say("/checkin")
    await jon.press("Ja, jeg giver samtykke")
    await answer(jon, "Ofte", "Ofte", "Ofte", "Ofte eller altid")
    assert count(app, Checkin) == 1
    await jon.say("/checkin")  # answered recently: the reply offers withdrawal
    assert "slettet" in await jon.press("Træk mit check-in-samtykke")
    assert count(app, Checkin) == 0
    clock.advance(days=200)
    assert offers(app) == 0


async def test_withdrawing_samtale_consent_with_deletion_erases_check_ins(app, clock):
    kim = Person(app, "kim")
    await kim.onboard()
    clock.advance(days=8)
    await kim.say("/checkin")
    await kim.press("Ja, jeg giver samtykke")
    await answer(kim, "Ofte", "Ofte", "Ofte", "Aldrig")
    await kim.say("/withdraw")
    await kim.press("Slet")
    assert count(app, Checkin) == 0


async def test_a_forged_or_old_check_in_button_is_stale(app, clock):
    lis = Person(app, "lis")
    await lis.onboard()
    clock.advance(days=8)
    await lis.say("/checkin")
    await lis.press("Ja, jeg giver samtykke")
    old = lis.console.choices[0].action
    said = await lis.say("/checkin")  # a new keyboard: the old one is spent
    assert "Spørgsmål 1 af 4" in said
    for action in (old, "ci:zzzzzz:a:3", "ci:o:maybe", "ci"):
        out = await app.dispatcher.handle(incoming(chat_id="lis", user_id="lis", action=action))
        assert [getattr(i, "kind", None) for i in out][-1] == ReplyKind.STALE_BUTTON, action
    assert count(app, Checkin) == 0


async def test_forget_leaves_no_check_in_bytes_in_the_sqlite_file_or_wal(sqlite_app, clock, tmp_path):
    mona = Person(sqlite_app, "mona")
    await mona.onboard()
    clock.advance(days=8)
    await mona.say("/checkin")
    await mona.press("Ja, jeg giver samtykke")
    await answer(mona, "Ofte", "Ofte", "Ofte", "Ofte eller altid")
    needles = [b"Samtykke til check-in (version", b"mona"]
    files = [p for p in tmp_path.iterdir() if p.name.startswith("samtale.db")]
    assert any(n in p.read_bytes() for p in files for n in needles)  # the search finds what is there
    await mona.say("/forget")
    await mona.press("Ja, slet alt")
    files = [p for p in tmp_path.iterdir() if p.name.startswith("samtale.db")]
    assert any(p.name.endswith("-wal") for p in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{needle!r} left in {path.name}"


async def test_withdrawing_the_check_in_consent_leaves_no_bytes_of_it(sqlite_app, clock, tmp_path):
    nor = Person(sqlite_app, "nor")
    await nor.onboard()
    clock.advance(days=8)
    await nor.say("/checkin")
    await nor.press("Ja, jeg giver samtykke")
    await answer(nor, "Ofte", "Ofte", "Ofte", "Ofte eller altid")
    await nor.say("/checkin")
    await nor.press("Træk mit check-in-samtykke")
    for path in (p for p in tmp_path.iterdir() if p.name.startswith("samtale.db")):
        assert b"Samtykke til check-in (version" not in path.read_bytes(), path.name
