"""Moderation: `samtale reflections hide ID --reason` and /hide take a reflection out of quotes,
digests and exports (unless --include-hidden); every step is logged."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from insights.exports.run import run_export
from insights.exports.spec import ExportSpec
from insights.digest import build_digest
from insights.periods import parse_period
from storage.audit_models import AuditEntry
from storage.models import Reflection
from tests.support.export import config_for
from tests.support.export import people
from tests.support.facilitator import fac_app  # noqa: F401 - fixture
from tests.support.people import onboarded

W47 = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)


def digest(app) -> dict:
    with app.sessions() as s:
        return build_digest(s, parse_period("2026-W47"), now=W47)


def exported_ids(app, tmp_path, **kw) -> set[int]:
    out = tmp_path / "r.csv"
    run_export(app.sessions, ExportSpec("reflections", **kw), out, actor="cli:test", progress=False)
    return {int(r["reflection_id"]) for r in csv.DictReader(io.StringIO(out.read_text("utf-8-sig")), delimiter=";")}


def entries(app) -> list[AuditEntry]:
    with app.sessions() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_hidden_leaves_quotes_digests_and_exports(app, tmp_path):
    with app.sessions() as s:
        ids = people(s, 7, start=W47, tag="m", areas=("hjem",))
    before = digest(app)
    quoted = before["quotes"][0]["reflection_id"]
    # Counts are perturbed (insights.disclosure): within 5 of the truth, and the same data give the same count.
    assert abs(before["totals"]["reflections"] - 7) <= 5 and exported_ids(app, tmp_path) == set(ids)
    config = config_for(app, tmp_path)
    runner = CliRunner()
    done = runner.invoke(main, ["reflections", "hide", str(quoted), "--reason", "nævner en nabo ved navn",
                                "--config", config])
    assert done.exit_code == 0, done.output
    assert f"reflection {quoted} is hidden" in done.output
    after = digest(app)
    assert quoted not in [q["reflection_id"] for q in after["quotes"]]
    assert abs(after["totals"]["reflections"] - 6) <= 5
    assert exported_ids(app, tmp_path) == set(ids) - {quoted}
    assert exported_ids(app, tmp_path, include_hidden=True) == set(ids)
    listed = runner.invoke(main, ["reflections", "hidden", "--config", config])
    assert f"#{quoted}" in listed.output and "nævner en nabo ved navn" in listed.output
    again = runner.invoke(main, ["reflections", "hide", str(quoted), "--reason", "igen", "--config", config])
    assert "already hidden" in again.output
    shown = runner.invoke(main, ["reflections", "unhide", str(quoted), "--reason", "fejl", "--config", config])
    assert "visible again" in shown.output and digest(app)["totals"]["reflections"] == before["totals"]["reflections"]
    log = [(e.action, e.subject, e.reason, e.via) for e in entries(app) if e.action != "export"]
    assert log == [("hide", f"reflection:{quoted}", "nævner en nabo ved navn", "cli"),
                   ("hide", f"reflection:{quoted}", "igen", "cli"),
                   ("unhide", f"reflection:{quoted}", "fejl", "cli")]
    audit_out = runner.invoke(main, ["audit", "--action", "hide", "--config", config])
    assert "reason: nævner en nabo ved navn" in audit_out.output


def test_cli_refuses_what_it_cannot_do(app, tmp_path):
    config = config_for(app, tmp_path)
    runner = CliRunner()
    missing = runner.invoke(main, ["reflections", "hide", "999", "--reason", "x", "--config", config])
    assert missing.exit_code == 1 and "no reflection 999" in missing.output
    no_reason = runner.invoke(main, ["reflections", "hide", "1", "--config", config])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    blank = runner.invoke(main, ["reflections", "hide", "1", "--reason", "  ", "--config", config])
    assert blank.exit_code == 2 and "give a reason" in blank.output


@pytest.mark.usefixtures("fac_app")
async def test_facilitator_hides_in_chat(app, fac_app):  # noqa: F811
    with app.sessions() as s:
        ids = people(s, 6, start=W47, tag="c", areas=("hjem",))
    fia = await onboarded(fac_app, "fia")
    assert "Skriv /hide, nummeret" in await fia.say("/hide")
    assert "Skriv /hide, nummeret" in await fia.say(f"/hide {ids[0]}")  # a reason is required
    assert "kan ikke finde refleksion 99999" in await fia.say("/hide 99999 findes ikke")
    for forged in ("9" * 12, "9" * 60, "²"):  # past PostgreSQL's INTEGER, or a digit int() refuses
        assert "Skriv /hide, nummeret" in await fia.say(f"/hide {forged} findes ikke")
    said = await fia.say(f"/hide {ids[0]} indeholder et navn")
    assert f"Refleksion {ids[0]} er skjult" in said
    assert "var allerede skjult" in await fia.say(f"/hide {ids[0]} igen")
    with app.sessions() as s:
        assert s.get(Reflection, ids[0]).hidden is True
    assert f"Refleksion {ids[0]} er synlig igen" in await fia.say(f"/unhide {ids[0]} en fejl")
    log = [(e.action, e.reason, e.actor) for e in entries(app)]
    assert log == [("hide", "indeholder et navn", "chat:console:fia"), ("hide", "igen", "chat:console:fia"),
                   ("unhide", "en fejl", "chat:console:fia")]
