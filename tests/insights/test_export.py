"""`samtale export`: files read back with csv, openpyxl and json — columns, æøå, escapes, filters,
pseudonyms, no platform id anywhere in the bytes, the audit log; on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from insights.exports.run import run_export, write_export
from insights.exports.sources import EVENT_COLUMNS, PARTICIPANT_COLUMNS, REFLECTION_COLUMNS, SIGNUP_COLUMNS
from insights.exports.spec import ExportSpec, SpecError, validate
from insights.exports.writers import FORMULA_START, neutralise
from storage.audit_models import AuditEntry
from storage.models import Reflection
from tests.support.export import FORMULAS, TEXT_R1, all_bytes, assert_no_platform_ids, config_for, people, seed

NAMES = [c.name for c in REFLECTION_COLUMNS]


def export_bytes(app, tmp_path, name="out", **kw) -> bytes:
    spec = ExportSpec(**{"kind": "reflections", **kw})
    out = tmp_path / f"{name}.{spec.fmt}"
    run_export(app.sessions, spec, out, actor="cli:test", progress=False)
    return out.read_bytes()


def read_csv(data: bytes, excel_dk: bool = True) -> list[dict]:
    if excel_dk:
        assert data.startswith(b"\xef\xbb\xbf"), "Danish Excel needs the UTF-8 BOM"
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel_dk else ","))


def by_id(rows: list[dict], ids: dict, key="reflection_id") -> dict[str, dict]:
    names = {str(v): k for k, v in ids.items() if k.startswith("r")}
    return {names[str(r[key])]: r for r in rows}


def test_neutralise_every_formula_start():
    for ch in "=+-@\t\r":
        assert ch in FORMULA_START
        assert neutralise(f"{ch}1+2") == f"'{ch}1+2"
    assert neutralise("hej = 1") == "hej = 1" and neutralise("") == ""


def test_reflections_csv_reads_back_for_danish_excel(app, tmp_path):
    with app.sessions() as s:
        ids = seed(s)
    data = export_bytes(app, tmp_path)
    rows = read_csv(data)
    assert list(rows[0]) == NAMES
    got = by_id(rows, ids)
    assert set(got) == {"r1", "r2", "r3", "r4", "r6", "r7", "r8"}  # r5 is hidden
    assert got["r1"]["text"] == TEXT_R1 and "æøå ÆØÅ" in got["r1"]["text"]
    # Formula injection: a leading apostrophe, the rest (newlines, quotes, ;) intact.
    for name in ("r2", "r3", "r4", "r7"):
        assert got[name]["text"] == "'" + FORMULAS[name], name
    assert got["r1"]["quote_consent"] == "1" and got["r2"]["quote_consent"] == "0"
    assert got["r3"]["crisis"] == "1" and got["r1"]["crisis"] == "0"
    assert {r["hidden"] for r in rows} == {"0"}
    assert got["r6"]["text"] == "" and got["r6"]["text_deleted"] == "1"
    assert got["r4"]["areas"] == "fritid, sundhed"
    assert got["r2"]["areas"]  # stored without areas: classified on the way out, as digests do
    # Copenhagen time with its offset: 10:00 UTC on 2 March is 11:00 here (winter, +01:00); 22:30 UTC
    # on 31 March is 00:30 on 1 April (summer time, +02:00).
    assert got["r1"]["created_at"] == "2026-03-02 11:00:00+01:00"
    assert got["r8"]["created_at"] == "2026-04-01 00:30:00+02:00"
    assert got["r1"]["region"] == "Region Midtjylland" and got["r3"]["municipality"] == "København"
    # One pseudonym per person within the file, nothing else of them.
    assert got["r1"]["participant"] == got["r2"]["participant"] == got["r7"]["participant"]
    assert got["r1"]["participant"] != got["r3"]["participant"]
    assert got["r1"]["participant"].startswith("p-") and len(got["r1"]["participant"]) == 18
    assert_no_platform_ids(data)


def test_pseudonyms_hold_within_one_export_only(app, tmp_path):
    with app.sessions() as s:
        ids = seed(s)
    first = by_id(read_csv(export_bytes(app, tmp_path, "a")), ids)
    second = by_id(read_csv(export_bytes(app, tmp_path, "b")), ids)
    assert first["r1"]["participant"] != second["r1"]["participant"]
    assert second["r1"]["participant"] == second["r7"]["participant"]


def test_include_hidden_and_plain_csv(app, tmp_path):
    with app.sessions() as s:
        ids = seed(s)
    data = export_bytes(app, tmp_path, include_hidden=True, excel_dk=False)
    assert not data.startswith(b"\xef\xbb\xbf") and data.startswith(b"reflection_id,participant,")
    got = by_id(read_csv(data, excel_dk=False), ids)
    assert got["r5"]["hidden"] == "1" and got["r5"]["text"] == "'" + FORMULAS["r5"]
    assert len(got) == 8


@pytest.mark.parametrize("filters, expected", [
    ({"area": "fritid"}, {"r3", "r4", "r8"}),
    ({"area": "andet"}, set()),
    ({"region": "midtjylland"}, {"r1", "r2", "r7", "r8"}),
    ({"municipality": "kobenhavn"}, {"r3", "r4"}),
    ({"language": "EN"}, {"r3", "r4"}),
    ({"first_day": date(2026, 4, 1)}, {"r3", "r4", "r6", "r7", "r8"}),
    ({"last_day": date(2026, 3, 31)}, {"r1", "r2"}),
    ({"first_day": date(2026, 4, 1), "last_day": date(2026, 4, 30), "region": "Region Hovedstaden"}, {"r3", "r4"}),
])
def test_filters(app, tmp_path, filters, expected):
    with app.sessions() as s:
        ids = seed(s)
    got = by_id(read_csv(export_bytes(app, tmp_path, **filters)), ids)
    assert set(got) == expected


def test_xlsx_reads_back_and_splits_into_sheets(app, tmp_path):
    with app.sessions() as s:
        ids = seed(s)
    data = export_bytes(app, tmp_path, fmt="xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["reflections"]
    rows = list(wb["reflections"].iter_rows(values_only=True))
    assert list(rows[0]) == NAMES
    got = by_id([dict(zip(NAMES, r)) for r in rows[1:]], ids)
    assert got["r1"]["text"] == TEXT_R1
    for name in ("r2", "r3", "r4", "r7"):
        assert got[name]["text"] == FORMULAS[name], name  # as written: a text cell, never a formula
    assert got["r3"]["crisis"] is True and got["r1"]["quote_consent"] is True and got["r1"]["hidden"] is False
    assert got["r1"]["created_at"] == datetime(2026, 3, 2, 11, 0)  # Copenhagen wall-clock time, a real date-time
    formats = {row[0].value: row[NAMES.index("created_at")].number_format
               for row in wb["reflections"].iter_rows(min_row=2)}
    assert formats[ids["r1"]] == 'yyyy-mm-dd hh:mm:ss"+01:00"'  # shown with its offset, as in the CSV
    assert formats[ids["r8"]] == 'yyyy-mm-dd hh:mm:ss"+02:00"'
    assert got["r1"]["reflection_id"] == ids["r1"]
    for row in wb["reflections"].iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    assert_no_platform_ids(data)
    # Past the row limit a new sheet starts, with the header again.
    out = tmp_path / "split.xlsx"
    with app.sessions() as s, open(out, "wb") as fh:
        written = write_export(s, validate(ExportSpec("reflections", fmt="xlsx")), fh, max_rows=3)
    assert (written.rows, written.sheets) == (7, 4)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["reflections", "reflections (2)", "reflections (3)", "reflections (4)"]
    counts = [ws.max_row for ws in wb.worksheets]
    assert counts == [3, 3, 3, 2]
    assert all(next(ws.iter_rows(values_only=True))[0] == "reflection_id" for ws in wb.worksheets)


def test_xlsx_keeps_text_that_looks_like_a_formula_exactly_as_written(app, tmp_path):
    # What a facilitator copies out of Excel into a ministry note: the citizen's words, no apostrophe.
    with app.sessions() as s:
        ids = seed(s)
        written = ["-2 grader og ingen at gå tur med", "=1+1", "+45 12 34 56 78", "@SUM(A1)",
                   '=HYPERLINK("http://evil.example","klik")', "\tTab først", "- og så – æøå"]
        for i, text in enumerate(written):
            s.add(Reflection(participant_id=ids["p1"], text=text, language="da", areas=["hjem"],
                             created_at=datetime(2026, 5, 1, 9, i, tzinfo=timezone.utc)))
        s.commit()
    data = export_bytes(app, tmp_path, fmt="xlsx", first_day=date(2026, 5, 1), last_day=date(2026, 5, 1))
    ws = openpyxl.load_workbook(io.BytesIO(data))["reflections"]
    column = NAMES.index("text") + 1
    cells = [row[column - 1] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == written
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]
    for row in ws.iter_rows():
        assert all(cell.data_type != "f" for cell in row)
    assert b"<f>" not in all_bytes(data) and b"<f " not in all_bytes(data)  # no formula anywhere in the file
    # CSV has no cell types: there the same text keeps its apostrophe.
    rows = read_csv(export_bytes(app, tmp_path, "c", first_day=date(2026, 5, 1), last_day=date(2026, 5, 1)))
    assert [r["text"] for r in rows] == ["'" + t for t in written]


def test_jsonl_reads_back_typed(app, tmp_path):
    with app.sessions() as s:
        ids = seed(s)
    data = export_bytes(app, tmp_path, fmt="jsonl")
    objs = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    got = by_id(objs, ids)
    assert list(objs[0]) == NAMES
    assert got["r2"]["text"] == FORMULAS["r2"]  # JSON is not opened by spreadsheets: left as written
    assert got["r4"]["areas"] == ["fritid", "sundhed"] and got["r3"]["crisis"] is True
    assert got["r1"]["created_at"] == "2026-03-02T11:00:00+01:00"
    assert got["r1"]["text"] == TEXT_R1
    assert_no_platform_ids(data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_no_platform_id_in_any_kind(app, tmp_path, fmt):
    with app.sessions() as s:
        seed(s)
    for kind in ("reflections", "events", "signups", "participants"):
        assert_no_platform_ids(export_bytes(app, tmp_path, kind, kind=kind, fmt=fmt))
    assert_no_platform_ids(export_bytes(app, tmp_path, "digests", kind="digests", fmt=fmt,
                                        first_day=date(2026, 3, 1), last_day=date(2026, 4, 30)))


def test_events_signups_and_participants(app, tmp_path):
    with app.sessions() as s:
        ids = seed(s)
    events = read_csv(export_bytes(app, tmp_path, "ev", kind="events"))
    assert list(events[0]) == [c.name for c in EVENT_COLUMNS]
    e1 = next(r for r in events if r["event_id"] == str(ids["e1"]))
    e2 = next(r for r in events if r["event_id"] == str(ids["e2"]))
    assert (e1["confirmed"], e1["seats_taken"], e1["waiting"], e1["withdrawn"]) == ("1", "2", "1", "1")
    assert e1["title"] == "Fællesspisning på Ærø-vej" and e1["region"] == "Region Midtjylland"
    assert e1["organisation"] == "Røde Kors Aarhus" and e1["created_by"].startswith("p-")
    assert e2["title"] == "'=cmd|' /C calc'!A0" and e2["status"] == "cancelled" and e2["created_by"] == ""
    assert e2["region"] == "Region Syddanmark" and e2["online"] == "1"
    only_odense = read_csv(export_bytes(app, tmp_path, "ev2", kind="events", municipality="Odense"))
    assert [r["event_id"] for r in only_odense] == [str(ids["e2"])]

    signups = read_csv(export_bytes(app, tmp_path, "su", kind="signups"))
    assert list(signups[0]) == [c.name for c in SIGNUP_COLUMNS]
    assert sorted(r["status"] for r in signups) == ["confirmed", "waiting", "withdrawn"]
    assert len({r["participant"] for r in signups}) == 3
    assert {r["event_title"] for r in signups} == {"Fællesspisning på Ærø-vej"}

    people_rows = read_csv(export_bytes(app, tmp_path, "pa", kind="participants"))
    assert list(people_rows[0]) == [c.name for c in PARTICIPANT_COLUMNS]
    # The person who never consented is not exported; the one who withdrew (and kept their words) is.
    assert sorted(r["consent_state"] for r in people_rows) == ["given", "given", "given", "withdrawn"]
    aarhus = [r for r in people_rows if r["municipality"] == "Aarhus"]
    assert sorted(r["reflections"] for r in aarhus) == ["0", "4"]
    assert sorted(r["signups"] for r in people_rows) == ["0", "0", "1", "1"]
    assert {r["platform"] for r in people_rows} == {"telegram", "discord"}


def test_digests_export_is_the_published_digest_with_decimal_comma(app, tmp_path):
    with app.sessions() as s:
        people(s, 6, start=datetime(2026, 3, 2, 8, tzinfo=timezone.utc), tag="a", areas=("hjem",))
        people(s, 5, start=datetime(2026, 3, 2, 9, tzinfo=timezone.utc), tag="b", areas=("fritid",),
               region="Region Hovedstaden", municipality="København")
        people(s, 2, start=datetime(2026, 3, 2, 10, tzinfo=timezone.utc), tag="c", areas=("arbejde",),
               region="Region Nordjylland", municipality="Aalborg")
    rows = read_csv(export_bytes(app, tmp_path, kind="digests", first_day=date(2026, 3, 2),
                                 last_day=date(2026, 3, 8)))
    assert {r["period"] for r in rows} == {"2026-W10"}
    total = next(r for r in rows if r["table"] == "total")
    # Perturbed by the cell-key method (insights.disclosure): within 5 of the truth.
    assert abs(int(total["reflections"]) - 13) <= 5 and abs(int(total["participants"]) - 13) <= 5
    assert total["suppressed"] == "0"
    areas = {r["area"]: r for r in rows if r["table"] == "area"}
    share = areas["hjem"]["share"]  # decimal comma for Danish Excel (of perturbed counts, so 0–1)
    assert "," in share and "." not in share and 0 <= float(share.replace(",", ".")) <= 1
    assert areas["arbejde"]["suppressed"] == "1" and areas["arbejde"]["reflections"] == ""
    assert areas["fritid"]["suppressed"] == "1"  # its complement: otherwise 13 − 6 − 5 gives the 2 away
    regions = [r for r in rows if r["table"] == "region" and r["area"] == ""]
    assert {r["category"] for r in regions if r["suppressed"] == "0"} == {"Region Midtjylland"}
    only = read_csv(export_bytes(app, tmp_path, "r", kind="digests", first_day=date(2026, 3, 2),
                                 last_day=date(2026, 3, 8), region="Region Midtjylland"))
    assert only and {r["category"] for r in only} == {"Region Midtjylland"}


def test_every_export_is_in_the_audit_log_and_a_failed_one_leaves_no_file(app, tmp_path, monkeypatch):
    with app.sessions() as s:
        seed(s)
    export_bytes(app, tmp_path, region="Region Midtjylland", fmt="jsonl")
    import insights.exports.run as run

    def broken(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(run, "open_writer", broken)
    with pytest.raises(RuntimeError):
        run_export(app.sessions, ExportSpec("events"), tmp_path / "broken.csv", actor="cli:test", progress=False)
    assert not (tmp_path / "broken.csv").exists()
    assert not list(tmp_path.glob(".samtale-export-*"))
    with app.sessions() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    ok, failed = entries
    assert (ok.actor, ok.via, ok.action, ok.subject, ok.format, ok.rows) == (
        "cli:test", "cli", "export", "reflections", "jsonl", 4)
    assert ok.filters["region"] == "Region Midtjylland" and ok.filters["include_hidden"] is False
    assert ok.target.endswith("out.jsonl") and ok.status == "ok"
    assert (failed.status, failed.subject, failed.rows) == ("failed", "events", None)
    assert "disk full" in failed.detail


def test_bad_options_are_refused_clearly():
    cases = [
        (ExportSpec("events", area="hjem"), "--area does not apply to events"),
        (ExportSpec("reflections", area="kærlighed"), "--area 'kærlighed': choose one of hjem"),
        (ExportSpec("reflections", municipality="Atlantis"), "not one of Denmark's 98"),
        (ExportSpec("reflections", region="Skåne"), "--region 'Skåne'"),
        (ExportSpec("participants", include_hidden=True), "--include-hidden does not apply"),
        (ExportSpec("digests"), "digests need --from and --to"),
        (ExportSpec("reflections", first_day=date(2026, 5, 1), last_day=date(2026, 4, 1)), "is after"),
        (ExportSpec("reflections", language="d a; drop"), "--language"),
    ]
    for spec, message in cases:
        with pytest.raises(SpecError, match=message):
            validate(spec)


def test_cli_export_and_audit(app, tmp_path):
    from bot.cli import main

    with app.sessions() as s:
        seed(s)
    config = config_for(app, tmp_path)
    runner = CliRunner()
    out = tmp_path / "r.xlsx"
    done = runner.invoke(main, ["export", "reflections", "--format", "xlsx", "--out", str(out), "--from", "2026-03-01",
                                "--to", "2026-03-31", "--config", config])
    assert done.exit_code == 0, done.output
    assert "wrote 2 rows of reflections" in done.output and out.exists()
    bad = runner.invoke(main, ["export", "events", "--area", "hjem", "--out", str(tmp_path / "x.csv"),
                               "--config", config])
    assert bad.exit_code == 2 and "--area does not apply to events" in bad.output
    bad = runner.invoke(main, ["export", "reflections", "--from", "1. marts", "--out", "x.csv", "--config", config])
    assert bad.exit_code == 2 and "write it as 2026-03-31" in bad.output
    listed = runner.invoke(main, ["audit", "--config", config])
    assert listed.exit_code == 0
    assert "export reflections (xlsx), 2 rows [from=2026-03-01 to=2026-03-31" in listed.output
    assert str(out) in listed.output
    as_json = runner.invoke(main, ["audit", "--jsonl", "--action", "export", "--config", config])
    entry = json.loads(as_json.output.splitlines()[0])
    assert entry["rows"] == 2 and entry["filters"]["from"] == "2026-03-01" and entry["actor"].startswith("cli:")
    one = runner.invoke(main, ["export", "reflections", "--out", str(tmp_path / "one.csv"), "--from", "2026-03-02",
                               "--to", "2026-03-02", "--config", config])
    assert one.exit_code == 0, one.output
    assert "wrote 1 row of reflections" in one.output and "1 rows" not in one.output


def test_progress_is_counted_and_shown_only_when_asked(app, tmp_path, capsys):
    with app.sessions() as s:
        seed(s)
    seen: dict = {"total": None, "rows": 0}
    with app.sessions() as s, open(tmp_path / "p.csv", "wb") as fh:
        written = write_export(s, validate(ExportSpec("reflections", include_hidden=True)), fh,
                               on_total=lambda n: seen.update(total=n),
                               on_rows=lambda n: seen.update(rows=seen["rows"] + n))
    assert seen == {"total": 8, "rows": 8} and written.rows == 8
    run_export(app.sessions, ExportSpec("events"), tmp_path / "quiet.csv", actor="cli:test", progress=False)
    assert capsys.readouterr().err == ""  # not a terminal: nothing but the file
    run_export(app.sessions, ExportSpec("events"), tmp_path / "bar.csv", actor="cli:test", progress=True)
    assert "events → bar.csv" in capsys.readouterr().err
