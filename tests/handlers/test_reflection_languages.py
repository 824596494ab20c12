"""The language recorded with a reflection is the one it is written in (Norwegian as `no`, Swedish as `sv`,
Arabic as `ar`…), while the bot keeps answering in Danish or English, the only languages it has texts for."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Reflection


def languages(app) -> list[str]:
    with app.sessions() as s:
        return list(s.scalars(select(Reflection.language).order_by(Reflection.id)))


async def test_a_norwegian_writing_norwegian_is_recorded_as_norwegian_and_answered_in_danish(app, person):
    ola = person("ola", lang_hint="nb")
    await ola.onboard()
    said = await ola.say("Jeg føler meg veldig ensom etter at jeg flyttet hit")
    assert "gemt" in said  # the receipt is Danish: there are no Norwegian texts
    await ola.say("Jeg savner noen å snakke med")
    await ola.say("Hei")
    assert languages(app) == ["no", "no", "no"]


async def test_danish_stays_danish_and_neighbours_are_told_apart(app, person):
    anna = person("anna")
    await anna.onboard()
    for text in ("Jeg er ensom", "Jeg har ingen at snakke med", "Jag känner mig ensam här",
                 "Jeg trenger noen å prate med", "أشعر بالوحدة هنا", "Czuję się bardzo samotna",
                 "Kendimi çok yalnız hissediyorum", "Мені дуже самотньо", "Ich bin so allein"):
        said = await anna.say(text)
        assert "gemt" in said, text  # every receipt in the reader's language, Danish
    assert languages(app) == ["da", "da", "sv", "no", "ar", "pl", "tr", "uk", "de"]


async def test_a_first_message_in_norwegian_is_answered_in_danish(app, person):
    ola = person("ola", lang_hint=None)
    said = await ola.say("Hei, jeg vet ikke hva jeg skal gjøre")
    assert "Skriv /start" in said and "Jeg har ikke gemt" in said
    said = await person("ali", lang_hint=None).say("مرحبا، أنا وحيد")
    assert "Skriv /start" in said  # Arabic: no Arabic texts, so Danish (with the English hint in it)
