"""A municipality's summary for its organisers (never from fewer than k), and a lone "3" never kept as a reflection."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage.audit_models import AuditEntry
from storage.models import Participant, Reflection
from tests.support.events import become_organiser


def seed(app, clock, n: int, municipality: str, areas=("fritid",)):
    with app.sessions() as s:
        for i in range(n):
            p = Participant(platform="console", external_id=f"{municipality}{i}", consent_state="given", onboarded=True,
                            municipality=municipality, language="da")
            p.reflections.append(Reflection(text="Koret er mit fællesskab", language="da", areas=list(areas),
                                            created_at=clock() - timedelta(days=3)))
            s.add(p)
        s.commit()


async def test_an_organiser_gets_their_municipalitys_summary_when_the_numbers_allow(app, person, clock):
    seed(app, clock, 8, "Aarhus")
    seed(app, clock, 3, "Odder")
    olga = person("olga")
    await olga.onboard()
    await become_organiser(app, olga, clock=clock)
    said = await olga.say("/local")
    assert "Overblik for Aarhus" in said and "fritid og fællesskaber" in said and "personer har svaret" in said
    assert "Koret" not in said  # no quotes from one municipality
    said = await olga.say("/local Odder")
    assert "din egen kommune: Aarhus" in said  # not her municipality
    with app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "local")) == 1


async def test_a_facilitator_names_a_municipality_and_a_small_one_says_too_few(app, person, clock):
    seed(app, clock, 3, "Odder")
    app.dispatcher.config = type(app.dispatcher.config)(
        **{**app.dispatcher.config.__dict__, "facilitators": frozenset({"console:fia"})})
    fia = person("fia")
    said = await fia.say("/local Odder")
    assert "For få" in said and "Koret" not in said and "3" not in said
    assert "ikke en kommune" in await fia.say("/local Atlantis")


async def test_a_lone_number_after_start_again_is_not_a_reflection(app, person):
    anna = person()
    await anna.onboard()
    assert "Velkommen tilbage" in await anna.say("/start")
    said = await anna.say("3")
    assert "ikke gemt" in said
    assert "gemt" in await anna.say("3 ting gør mig glad: kaffe, koret og min nabo")
    with app.sessions() as s:
        assert [r.text for r in s.scalars(select(Reflection))] == ["3 ting gør mig glad: kaffe, koret og min nabo"]
