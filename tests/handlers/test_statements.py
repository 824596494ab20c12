"""/stem in detail: consent first, the daily limit, English /vote, one's own statement kept short and scrubbed."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from handlers.core.services import ConversationRules
from storage.statement_models import PENDING, Statement, StatementVote
from storage.statement_queries import add_statement
from tests.support.people import Person, onboarded


def seed(app, clock, n: int) -> None:
    with app.sessions.begin() as s:
        for i in range(n):
            add_statement(s, now=clock(), text_da=f"Udsagn nummer {i}", text_en=f"Statement number {i}")


async def test_voting_needs_consent(app, clock):
    seed(app, clock, 2)
    said = await Person(app, "ole").say("/stem")
    assert "/start" in said and "Enig" not in said


async def test_at_most_the_configured_number_a_day_then_again_tomorrow(app, clock):
    seed(app, clock, 5)
    app.dispatcher.services = replace(app.dispatcher.services, conversation=ConversationRules(per_day=2))
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Enig")
    said = await anna.press("Spring over")
    assert "2 udsagn i dag" in said and not anna.replies()[-1].buttons
    clock.advance(days=1)
    assert "Udsagn nummer" in await anna.say("/stem")


async def test_english_vote_shows_the_english_words(app, clock):
    seed(app, clock, 1)
    bob = await onboarded(app, "bob", lang="en")
    said = await bob.say("/vote")
    assert "Statement number 0" in said and "Agree" in bob.labels


async def test_own_statement_too_long_is_asked_again_and_a_cancel_keeps_nothing(app, clock):
    seed(app, clock, 1)
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Skriv din egen")
    said = await anna.say("ord " * 50)
    assert "højst 140" in said
    said = await anna.say("Min nabo Jens Hansen på jens@example.org burde invitere flere til kaffe")
    assert "jens@example.org" not in said
    await anna.press("Nej")
    with app.sessions() as s:
        assert s.scalars(select(Statement).where(Statement.status == PENDING)).all() == []


async def test_withdrawing_consent_with_delete_erases_the_votes(app, clock):
    seed(app, clock, 2)
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Uenig")
    await anna.say("/withdraw")
    await anna.press("Slet")
    with app.sessions() as s:
        assert s.scalars(select(StatementVote)).all() == []


async def test_import_and_reject_from_the_cli_tells_the_author(tmp_path, clock):
    import json as _json

    from click.testing import CliRunner

    from bot.cli import main
    from storage.campaign_models import OutboxMessage
    from tests.support.app import make_app

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    app = make_app(url, tmp_path, clock)
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    (tmp_path / "s.toml").write_text('[[statements]]\nda = "Biblioteket er et godt mødested"\nen = "The library is a '
                                     'good place to meet"\n[[statements]]\nda = "Naboer bør hilse mere"\n',
                                     encoding="utf-8")
    run = CliRunner()
    assert "imported 2" in run.invoke(main, ["statements", "import", str(tmp_path / "s.toml"), "--config", str(config)]).stdout
    bad = run.invoke(main, ["statements", "add", "--da", "x" * 141, "--config", str(config)])
    assert bad.exit_code != 0 and "140" in bad.output
    anna = await onboarded(app, "anna")
    await anna.say("/stem")
    await anna.press("Skriv din egen")
    await anna.say("Der burde være flere bænke i parken")
    await anna.press("Ja, send det")
    with app.sessions() as s:
        [pending] = s.scalars(select(Statement).where(Statement.status == PENDING)).all()
    out = run.invoke(main, ["statements", "reject", str(pending.id), "--config", str(config)])
    assert "rejected" in out.stdout
    assert run.invoke(main, ["statements", "reject", str(pending.id), "--config", str(config)]).exit_code != 0
    with app.sessions() as s:
        [told] = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "statement")).all()
        assert "kom ikke med" in _json.dumps(told.payload, ensure_ascii=False)
    report = _json.loads(run.invoke(main, ["statements", "report", "--format", "json", "--config", str(config)]).stdout)
    assert report["groups"] == [] and len(report["statements"]) == 2
    app.engine.dispose()
