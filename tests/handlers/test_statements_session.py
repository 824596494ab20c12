"""The conversation on the console (issue 18's session): a facilitator adds 5 statements, 12 people vote,
one offers their own, the facilitator accepts it, the others see it; the report has groups and consensus."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from handlers.core.flood import Limits
from handlers.core.types import ReplyKind
from storage.statement_models import StatementGroup, StatementVote
from tests.support.app import make_app, truncate_pg
from tests.support.drivers.console import ConsoleTown
from tests.support.people import incoming

STATEMENTS = [
    "Kommunen bør åbne flere fælleshuse",  # group A agrees, B disagrees
    "Foreninger skal have flere penge",  # A agrees, B disagrees
    "Ensomhed er den enkeltes eget ansvar",  # A disagrees, B agrees
    "Det er nok med digitale fællesskaber",  # A disagrees, B agrees
    "Alle har brug for nogen at tale med",  # everyone agrees
]


@pytest.fixture(params=["sqlite", "postgres"])
def town(request, tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'samtale.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    app = make_app(url, tmp_path, clock, roles={"facilitators": ["console:fia"]},
                   conversation={"where_after_votes": 5})
    if request.param == "postgres":
        truncate_pg(app)
    app.dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[roles]\nfacilitators = ["console:fia"]\n', encoding="utf-8")
    yield ConsoleTown(app, clock), str(config)
    app.engine.dispose()


def cli(config: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["statements", *args, "--config", config], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


async def vote_all(person, leaning: int, quirk: int) -> None:
    """Answer every statement shown: by the person's side, with one 'Ved ikke' that differs per person."""
    said = await person.say("/stem")
    for _ in range(len(STATEMENTS)):
        index = next(i for i, s in enumerate(STATEMENTS) if s in said)
        if index == quirk:
            said = await person.press("Ved ikke")
        elif index == 4 or (index < 2) == (leaning == 0):
            said = await person.press("Enig")
        else:
            said = await person.press("Uenig")
    assert "alle udsagn" in said


async def test_statements_votes_own_statement_and_report(town, clock):
    town, config = town
    for text in STATEMENTS:
        assert "added statement" in cli(config, "add", "--da", text)
    people = []
    for i in range(12):
        p = town.person(f"p{i}")
        await p.onboard()
        people.append(p)
    for i, p in enumerate(people):
        await vote_all(p, leaning=i % 2, quirk=(i // 2) % 4 if i < 8 else 9)
    # A second press on an old keyboard is answered, and no vote is counted twice.
    with town.app.sessions() as s:
        first = s.scalar(select(func.min(StatementVote.statement_id)))
    again = await town.app.dispatcher.handle(incoming(chat_id="p0", user_id="p0", action=f"vt:{first}:d"))
    assert "allerede svaret" in again[-1].text
    for forged in ("vt:x:a", f"vt:{first}:z", "vt:99999999999:a", "vt", f"vt:{first}:a:1"):
        reply = (await town.app.dispatcher.handle(incoming(chat_id="p0", user_id="p0", action=forged)))[-1]
        assert reply.kind == ReplyKind.STALE_BUTTON
    with town.app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(StatementVote)) == 60

    # p0 offers their own; names and numbers are scrubbed, and nobody sees it before it is accepted.
    await people[0].say("/stem")
    await people[0].press("Skriv din egen")
    said = await people[0].say("Ring til mig på 20 30 40 50 – vi mangler mødesteder om aftenen")
    assert "20 30 40 50" not in said and "Må andre stemme om det?" in said
    await people[0].press("Ja, send det")
    assert "facilitator ser på udsagnet" in people[0].replies()[-1].text
    assert "alle udsagn" in await people[1].say("/stem")
    assert "pending" in cli(config, "list", "--status", "pending")

    fia = town.person("fia")
    said = await fia.say("/moderate")
    assert "vi mangler mødesteder om aftenen" in said
    await fia.press("Godkend")
    assert "godkendt" in fia.replies()[0].text
    twice = await town.app.dispatcher.handle(incoming(chat_id="fia", user_id="fia", action=f"vtm:{first + 5}:r"))
    assert "allerede behandlet" in twice[-1].text
    await town.deliver()
    assert any("er godkendt" in m for m in town.received("p0"))

    # The others see it; its author never does.
    assert "vi mangler mødesteder" in await people[1].say("/stem")
    await people[1].press("Enig")
    assert "vi mangler mødesteder" not in await people[0].say("/stem")

    assert "ikke nok stemmer" in (await people[1].press("Hvor står jeg?"))
    report = json.loads(cli(config, "report", "--format", "json"))
    assert len(report["groups"]) == 2 and all(g["participants"] >= 5 for g in report["groups"])
    assert all(g["representative"] for g in report["groups"])
    assert report["consensus"][0]["text"] == STATEMENTS[4]
    said = await people[1].press("Hvor står jeg?")
    assert "Du hører til gruppe" in said and STATEMENTS[4] in said

    # Votes are in /mydata and gone after /forget.
    await people[2].say("/mydata")
    [doc] = people[2].documents()
    assert len(json.loads(doc.content)["statement_votes"]["votes"]) == 5
    await people[2].say("/forget")
    await people[2].press("Ja")
    with town.app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(StatementVote)) == 61 - 5
        assert s.scalar(select(func.count()).select_from(StatementGroup)) == 11
