"""Reflections: stored after consent with language, receipt with undo and quoting, exactly once."""
from __future__ import annotations

from sqlalchemy import select

from handlers.core.types import Incoming, ReplyKind
from storage.models import Reflection


def reflections(app) -> list[Reflection]:
    with app.sessions() as s:
        return list(s.scalars(select(Reflection).order_by(Reflection.id)))


async def test_reflection_stored_with_language_and_receipt(app, person):
    anna = person()
    await anna.onboard()
    said = await anna.say("Jeg savner nogen at drikke kaffe med om morgenen")
    assert "gemt" in said and "må citeres anonymt" in said
    assert anna.labels == ["Fortryd", "Må ikke citeres"]
    said = await anna.say("I moved here last year and I still do not know anyone")
    [da, en] = reflections(app)
    assert (da.language, en.language) == ("da", "en")
    assert da.quotable and da.text.startswith("Jeg savner")


async def test_undo_deletes_and_second_press_is_harmless(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("Det her vil jeg ikke gemme alligevel")
    said = await anna.press("Fortryd")
    assert "slettet" in said
    assert reflections(app) == []
    said = await anna.say("1")  # the same button again
    assert "findes ikke længere" in said


async def test_quote_toggle_per_reflection(app, person):
    anna = person()
    await anna.onboard(quote=False)
    said = await anna.say("Vi spiser sammen i opgangen hver fredag")
    assert "citeres ikke" in said
    said = await anna.press("Må citeres")
    assert "Ændret: må citeres anonymt" in said
    assert reflections(app)[0].quotable


async def test_someone_elses_reflection_cannot_be_touched(app, person):
    anna, bo = person("anna"), person("bo")
    await anna.onboard()
    await bo.onboard()
    await anna.say("Min egen tanke")
    rid = reflections(app)[0].id
    out = await app.dispatcher.handle(Incoming(platform="console", chat_id="bo", user_id="bo", action=f"r:u:{rid}"))
    assert "findes ikke længere" in out[-1].text
    assert len(reflections(app)) == 1


async def test_redelivered_message_is_stored_once(app, person):
    anna = person()
    await anna.onboard()
    msg = Incoming(platform="console", chat_id="anna", user_id="anna", text="Samme besked to gange",
                   message_id="42")
    first = await app.dispatcher.handle(msg)
    second = await app.dispatcher.handle(msg)
    assert first and second == []
    assert len(reflections(app)) == 1


async def test_same_message_id_from_another_chat_is_not_a_duplicate(app, person):
    anna, bo = person("anna"), person("bo")
    await anna.onboard()
    await bo.onboard()
    for who in ("anna", "bo"):
        await app.dispatcher.handle(Incoming(platform="console", chat_id=who, user_id=who, text="hej med dig",
                                             message_id="7"))
    assert len(reflections(app)) == 2


async def test_group_text_is_never_collected(app, person):
    anna = person()
    await anna.onboard()
    out = await app.dispatcher.handle(Incoming(platform="console", chat_id="group1", user_id="anna",
                                               chat_type="group", text="Jeg skriver i gruppen"))
    # Nothing kept; words addressed to the bot in a group (a Discord @mention) are pointed to a private chat.
    assert [i.kind for i in out] == [ReplyKind.TAKE_PRIVATE] and reflections(app) == []


async def test_writing_again_makes_a_blocked_person_reachable_again(app, person):
    from storage.models import Contact

    anna = person()
    await anna.onboard()
    with app.sessions() as s:
        s.scalars(select(Contact)).one().reachable = False  # as after a 403 from the platform
        s.commit()
    await anna.say("Jeg har fjernet blokeringen igen")
    with app.sessions() as s:
        assert s.scalars(select(Contact)).one().reachable
