"""Every benchmark starts and finishes at a tiny size, and the suite reads its figures.

A smoke test, not a timing: no figure is compared with its bar here (python -m bench does that).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import rows_for

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def rows(name: str, figures, argv: list[str]) -> list:  # noqa: ANN001
    """The suite's table rows for these figures: each has a value, none is an error."""
    out = rows_for(name, figures, argv)
    assert out and all(r.value for r in out), out
    return out


def child(module: str, argv: list[str], tmp_path) -> object:  # noqa: ANN001
    """Run a benchmark as the suite does (`python -m bench --one …`) and return its figures."""
    out = tmp_path / f"{module}.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--one", module, "--out", str(out), "--", *argv],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.fixture(params=["sqlite", "postgres"])
def db(request) -> str:
    if request.param == "postgres":
        request.getfixturevalue("pg_url")  # skips (or fails under SAMTALE_REQUIRE_POSTGRES) without a server
    return request.param


def test_ingest(db):
    from bench import ingest

    argv = ["--db", db, "--people", "3", "--each", "2"]
    (result,) = ingest.main(argv)
    assert result["reflections"] == 6
    rows("ingest", [result], argv)


def test_scaling(db):
    from bench import scaling

    argv = ["--db", db, "--sizes", "200", "400", "--week-rows", "50", "--people", "3", "--each", "2", "--repeat", "1"]
    (result,) = scaling.main(argv)
    assert [s["stored"] for s in result["steps"]] == [200, 400]
    assert result["steps"][0]["digest_rows"] > 90  # ~100 in the digest's two weeks (1 in 1,000 hidden)
    rows("scaling", [result], argv)


def test_langid_and_analytics(tmp_path, capsys):
    from bench import analytics, langid

    figures = langid.main(["--repeat", "1"])
    assert figures["accuracy"] >= 0.99  # the labelled set, not a timing
    rows("langid", figures, [])
    argv = ["--reflections", "300", "--participants", "40", "--db", str(tmp_path / "b.db")]
    rows("analytics", analytics.main(argv), argv)
    out = capsys.readouterr().out
    assert "command: python -m bench.langid" in out and "digest 2026-W48" in out


def test_engines(capsys):
    from bench import engines

    figures = engines.main(["--repeat", "1"])
    assert figures["crisis_texts"] > 1000 and figures["scrub_texts"] > 1000
    assert [r.figure for r in rows("engines", figures, [])][:2] == [
        "crisis check: throughput (60-character texts, CPU)", "crisis check: slowest huge input (200,000 characters)"]
    assert "command: python -m bench.engines" in capsys.readouterr().out


def test_export_reuses_the_analytics_database(tmp_path):
    from bench import analytics, export

    argv = ["--reflections", "300", "--participants", "40", "--db", str(tmp_path / "b.db")]
    analytics.main(argv)
    figures = export.main([*argv, "--reuse"])
    assert figures["file_mb"] > 0
    rows("export", figures, [*argv, "--reuse"])


def test_report_reuses_the_analytics_database(tmp_path):
    from bench import analytics, report

    argv = ["--reflections", "300", "--participants", "40", "--db", str(tmp_path / "b.db")]
    analytics.main(argv)
    figures = report.main([*argv, "--reuse"])
    assert figures["page_kb"] > 10
    rows("report", figures, [*argv, "--reuse"])


def test_broadcast(tmp_path):
    argv = ["--recipients", "40", "--rate", "200"]
    figures = child("bench.broadcast", argv, tmp_path)
    assert figures["delivered"] == 40 and figures["duplicates"] == 0 and figures["losses"] == 0
    rows("broadcast", figures, argv)


def test_telegram_throughput(tmp_path):
    argv = ["--citizens", "3", "--messages", "1", "--rounds", "1", "--synchronous", "FULL"]
    figures = child("bench.telegram_throughput", argv, tmp_path)
    assert figures["updates"] == 3 and len(figures["ratio"]) == 1
    rows("telegram", figures, argv)


def test_telegram_faults(tmp_path):
    argv = ["--limited", "2", "--retry-after", "1", "--failing", "2", "--people", "3", "--spread", "0.2"]
    figures = child("bench.telegram_faults", argv, tmp_path)
    assert figures["unfaulted_answered"] == 3 and figures["faulted"] == 4
    assert figures["receipts_per_faulted_chat"] == [1]
    rows("telegram_faults", figures, argv)


def test_footprint():
    from bench import footprint

    figures = footprint.main(["--starts", "1", "--idle", "0.2"])
    assert figures["idle_rss_mb"] > 0 and figures["cold_start_s"] > 0
    rows("footprint", figures, [])


def test_the_suite_prints_one_table_and_keeps_the_figures(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "langid", "--no-save"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    # 1 means a bar was missed: a figure of this busy machine, which the suite reports but a test must not judge.
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "=== langid: python -m bench.langid --repeat 5" in out
    assert "machine:" in out and "SQLite" in out and "cores" in out
    assert "langid: accuracy" in out and "≥ 99 %" in out and "bars met" in out


def test_first_reply():
    from bench import first_reply

    figures = first_reply.main(["--starts", "1"])
    assert figures["first_reply_s"] > 0 and len(figures["first_replies"]) == 1
    rows("first_reply", figures, [])


def test_checkins(db):
    from bench import checkins

    argv = ["--db", db, "--people", "3", "--checkins", "50"]
    figures = checkins.main(argv)
    assert [r["checkins"] for r in figures["ingest"]] == [3] and figures["figures"]["checkins"] == 50
    rows("checkins", figures, argv)


def test_profile_ingest(tmp_path):
    from bench import profile_ingest

    out = tmp_path / "profile.txt"
    profile_ingest.main(["--people", "3", "--each", "2", "--top", "5", "--out", str(out)])
    text = out.read_text()
    assert "6 reflections on sqlite under cProfile" in text and "CPU" in text and "cumulative" in text


def test_figures_from_another_kind_of_machine_are_called_not_comparable(tmp_path):
    from bench.__main__ import Row
    from bench.compare import newest, table, warnings

    here = {"cpu": "AMD EPYC", "cores": 2, "ram_gb": 23.5, "load_average_at_start": 0.3, "load_average_at_end": 0.4}
    then = {"date": "2026-11-27T12:00:00+00:00", "quick": False, "figures": [{"figure": "f", "value": "9 s"}],
            "machine": {"cpu": "Intel Xeon", "cores": 8, "ram_gb": 64.0}}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(then))
    assert newest(tmp_path, quick=False) == path and newest(tmp_path, quick=True) is None
    said = warnings(here, then, path)
    assert len(said) == 1 and said[0].startswith("NOT COMPARABLE") and "Intel Xeon" in said[0]
    assert warnings(here, {**then, "machine": {**here}}, path) == []
    shown = table([Row("f", "4 s", "≤ 5 s", True)], then)
    assert "previous" in shown and "9 s" in shown and "4 s" in shown


def test_conversation():
    from bench import conversation

    argv = ["--people", "300", "--statements", "40", "--votes", "6000"]
    figures = conversation.main(argv)
    assert figures["people"] == 300 and figures["groups"] >= 2
    rows("conversation", figures, argv)


def test_conversation_ingest():
    from bench import conversation_ingest

    argv = ["--db", "sqlite", "--people", "3", "--votes", "2"]
    figures = conversation_ingest.main(argv)
    assert [r["votes"] for r in figures["ingest"]] == [6]
    rows("conversation_ingest", figures, argv)


def test_directory_search(capsys):
    from bench.directory import main

    figures = main(["--services", "300", "--searches", "5"])
    assert figures["sqlite"]["p95_ms"] > 0
    assert "python -m bench.directory" in capsys.readouterr().out
