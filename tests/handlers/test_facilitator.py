"""Facilitator chat commands: /stats, /digest and /export (buttons, a document, the audit log) for
configured facilitators only — a citizen and an organiser are refused."""
from __future__ import annotations

import csv
from dataclasses import replace
import io
import json
from datetime import datetime, timedelta, timezone

import openpyxl
from sqlalchemy import select

import handlers.facilitator as facilitator
from handlers.core.types import Document, Incoming
from storage.audit_models import AuditEntry
from tests.support.events import become_organiser, relaxed_flood, texts  # noqa: F401 - fixture
from tests.support.export import assert_no_platform_ids, people
from tests.support.facilitator import fac_app  # noqa: F401 - fixture
from tests.support.people import Person, onboarded

# The test clock's week (2026-W48 runs from Monday 23 November).
W48 = datetime(2026, 11, 23, 8, tzinfo=timezone.utc)
REFUSED = "Den kommando er ikke for dig"


def week_of_reflections(app) -> list[int]:
    with app.sessions() as s:
        ids = people(s, 6, start=W48, tag="w48-", areas=("hjem",))
        ids += people(s, 5, start=W48 + timedelta(hours=1), tag="w48b-", areas=("fritid",),
                      region="Region Hovedstaden", municipality="København",
                      text="Koret om tirsdagen er det bedste i min uge")
    return ids


def audit(app) -> list[AuditEntry]:
    with app.sessions() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_citizen_and_organiser_are_refused(app, fac_app, clock):  # noqa: F811
    week_of_reflections(app)
    anna = await onboarded(fac_app, "anna")
    olga = await onboarded(fac_app, "olga")
    await become_organiser(fac_app, olga, clock=clock)
    for who in (anna, olga):
        for command in ("/stats", "/digest", "/export", "/hide 1 nej", "/unhide 1 nej"):
            said = await who.say(command)
            assert REFUSED in said, (who.name, command)
            assert not who.documents()
        # A button payload can be typed by anyone: the buttons check the role too.
        out = await fac_app.dispatcher.handle(Incoming(platform="console", chat_id=who.name, user_id=who.name,
                                                       action="fx:abcdef:f:csv"))
        assert REFUSED in texts(out) and not any(isinstance(i, Document) for i in out)
    assert audit(app) == []


async def test_stats_are_this_weeks_k_anonymous_numbers(app, fac_app):  # noqa: F811
    week_of_reflections(app)
    with app.sessions() as s:  # two people in one more area (and the fritid people's region): too few to show
        # (In hjem's region they would hide hjem too: that region's count minus hjem's would give them
        # away, and with no other theme there, hjem's count is exactly hjem-in-that-region.)
        people(s, 2, start=W48 + timedelta(hours=2), tag="few-", areas=("arbejde",), region="Region Hovedstaden")
    fia = await onboarded(fac_app, "fia")
    said = await fia.say("/stats")
    assert "Tal for uge 2026-W48" in said and "mindst 5 forskellige deltagere" in said
    # Perturbed by the cell-key method (insights.disclosure): within 5 of the truth.
    import re
    assert abs(int(re.search(r"Refleksioner: (\d+)", said)[1]) - 13) <= 5
    assert abs(int(re.search(r"Deltagere: (\d+)", said)[1]) - 13) <= 5
    assert abs(int(re.search(r"hjem og bolig: (\d+) \(\d+ %\)", said)[1]) - 6) <= 5
    assert "arbejdsliv og beskæftigelse: –" in said
    # fritid (5) is hidden too: otherwise 13 − 6 − 5 would give the two away.
    assert "fritid og fællesskaber: –" in said
    [entry] = audit(app)
    assert (entry.action, entry.via, entry.actor, entry.subject) == ("stats", "chat", "chat:console:fia", "2026-W48")
    # What a facilitator did is part of what we hold about them (/mydata).
    await fia.say("/mydata")
    [mine] = fia.documents()
    held = json.loads(mine.content)["facilitator"]["audit_log"]
    assert [(e["action"], e["subject"]) for e in held] == [("stats", "2026-W48")]


async def test_a_configured_facilitator_needs_no_start_for_stats(app, fac_app):  # noqa: F811
    week_of_reflections(app)
    fia = Person(fac_app, "fia")  # has never written to the bot
    said = await fia.say("/stats")
    assert "Tal for uge 2026-W48" in said and REFUSED not in said
    [entry] = audit(app)
    assert entry.actor == "chat:console:fia"
    # Export needs a conversation to hold its choices, and says so.
    assert "/start" in await fia.say("/export")


async def test_digest_preview_in_english(app, fac_app):  # noqa: F811
    week_of_reflections(app)
    fia = await onboarded(fac_app, "fia", lang="en")
    said = await fia.say("/digest")
    assert "This is how the digest for week 2026-W48 looks right now" in said
    assert "Samtale – digest for 2026-W48" in said and "Quotes (anonymous, with permission)" in said
    assert "Koret om tirsdagen" in said or "Jeg savner nogen" in said  # a consented quote
    [entry] = audit(app)
    assert (entry.action, entry.subject, entry.filters["preview"]) == ("digest", "2026-W48", True)


async def test_export_with_buttons_sends_a_logged_document(app, fac_app):  # noqa: F811
    week_of_reflections(app)
    fia = await onboarded(fac_app, "fia")
    said = await fia.say("/export")
    assert "Hvad vil du hente?" in said
    await fia.press("Refleksioner")
    said = await fia.press("Denne uge")
    assert "Hvilket format?" in said
    said = await fia.press("CSV")
    [doc] = fia.documents()
    assert doc.filename == "samtale-reflections-2026-11-23-2026-11-29.csv" and doc.mime_type == "text/csv"
    assert "11 rækker" in doc.caption and "Her er filen (11 rækker)" in said
    rows = list(csv.DictReader(io.StringIO(doc.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 11 and len({r["participant"] for r in rows}) == 11
    assert b"w48-0" not in doc.content and b"w48b-4" not in doc.content  # no external ids
    assert_no_platform_ids(doc.content)
    [entry] = audit(app)
    assert (entry.action, entry.subject, entry.format, entry.rows, entry.via, entry.target) == (
        "export", "reflections", "csv", 11, "chat", "chat document")
    assert entry.filters["from"] == "2026-11-23" and entry.filters["to"] == "2026-11-29"
    # The keyboard is spent: pressing an old button again is stale, not a second export.
    said = await fia.say("1")
    assert "ikke aktiv længere" in said or not fia.documents()


async def test_export_of_events_as_excel_and_cancel(app, fac_app):  # noqa: F811
    fia = await onboarded(fac_app, "fia", lang="en")
    await fia.say("/export")
    said = await fia.press("Cancel")
    assert "nothing was exported" in said and not fia.documents()
    await fia.say("/export")
    await fia.press("Events")
    await fia.press("This year")
    await fia.press("Excel")
    [doc] = fia.documents()
    wb = openpyxl.load_workbook(io.BytesIO(doc.content))
    assert next(wb["events"].iter_rows(values_only=True))[0] == "event_id"
    assert [e.subject for e in audit(app)] == ["events"]


async def test_too_big_for_chat_points_to_the_command(app, fac_app, monkeypatch):  # noqa: F811
    week_of_reflections(app)
    monkeypatch.setitem(facilitator.MAX_ROWS, "jsonl", 5)
    fia = await onboarded(fac_app, "fia")
    await fia.say("/export")
    await fia.press("Refleksioner")
    await fia.press("Denne måned")
    said = await fia.press("JSON")
    assert not fia.documents()
    assert "samtale export reflections --format jsonl --from 2026-11-01 --to 2026-11-30" in said
    [entry] = audit(app)
    assert (entry.status, entry.rows, entry.detail) == ("refused", None, "too large for chat")


async def test_without_the_bot_side_installed_it_says_so(app, fac_app, monkeypatch):  # noqa: F811
    fac_app.dispatcher.services = replace(fac_app.dispatcher.services, reports=None)
    fia = await onboarded(fac_app, "fia")
    assert "ikke sat op" in await fia.say("/stats")
