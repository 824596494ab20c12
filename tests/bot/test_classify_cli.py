"""`samtale classify`, `samtale digest` and `samtale themes` as a facilitator runs them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def samtale(*args: str, cwd: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("SAMTALE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=120, env=full_env)


def test_classify_prints_one_json_object_per_text_and_touches_no_database(tmp_path):
    texts = "Jeg bor alene i en lejlighed, ring på 12 34 56 78\n\nI lost my job and my colleagues\n"
    out = samtale("classify", cwd=tmp_path, stdin=texts)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 2
    assert rows[0]["language"] == "da" and rows[0]["areas"] == ["hjem"]
    assert rows[0]["matched"]["hjem"] == ["bor alene", "lejlighed"]
    assert rows[1]["language"] == "en" and rows[1]["areas"] == ["arbejde"]
    try:
        import engines.scrub  # noqa: F401
        assert "12 34 56 78" not in rows[0]["scrubbed"]
    except ImportError:
        pass
    try:
        import engines.crisis  # noqa: F401
        assert rows[0]["crisis"] is False
    except ImportError:
        pass
    assert list(tmp_path.iterdir()) == []  # no samtale.db, nothing written


def test_classify_reads_a_file_and_tries_another_lexicon(tmp_path):
    lexicon = (Path(__file__).resolve().parents[2] / "content" / "themes.toml").read_text()
    (tmp_path / "mine.toml").write_text(lexicon.replace('"bolig*",', '"bolig*", "kolonihavehus*",'))
    (tmp_path / "texts.txt").write_text("Vi mødes i kolonihavehuset\n")
    out = samtale("classify", "texts.txt", "--lexicon", "mine.toml", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "hjem" in json.loads(out.stdout)["areas"]
    (tmp_path / "bad.toml").write_text(lexicon.replace('"bolig*"', '"b?"'))
    out = samtale("classify", "texts.txt", "--lexicon", "bad.toml", cwd=tmp_path)
    assert out.returncode != 0 and "areas.hjem" in out.stderr and "Traceback" not in out.stderr


def test_digest_dry_run_and_bad_period(tmp_path):
    out = samtale("digest", "--period", "2026-W48", "--dry-run", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# Samtale – overblik for 2026-W48")
    out = samtale("digest", "--period", "2026-W48", "--dry-run", "--format", "json", cwd=tmp_path)
    assert json.loads(out.stdout)["period"]["id"] == "2026-W48"
    out = samtale("digest", "--period", "uge 48", cwd=tmp_path)
    assert out.returncode != 0 and "2026-W48" in out.stderr
    out = samtale("digest", "--period", "2026-W48", cwd=tmp_path)
    assert out.returncode != 0 and "no sinks configured" in out.stderr


def test_digest_to_a_folder_sink_from_config(tmp_path):
    (tmp_path / "samtale.toml").write_text('[[insights.sinks]]\nname = "arkiv"\ntype = "folder"\npath = "kb"\n')
    out = samtale("digest", "--period", "2026-11", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "arkiv" in out.stdout and "delivered" in out.stdout
    assert (tmp_path / "kb" / "samtale-digest-2026-11.json").exists()
    out = samtale("digest", "--period", "2026-11", cwd=tmp_path)
    assert "skipped" in out.stdout


def test_themes_reclassify_and_evaluate(tmp_path):
    from bot.app import build_app
    from bot.config import Settings
    from storage.models import Participant, Reflection

    app = build_app(Settings.model_validate({"database": {"url": f"sqlite:///{tmp_path / 'samtale.db'}"}}))
    with app.sessions() as s:
        p = Participant(platform="console", external_id="x", consent_state="given")
        p.reflections = [Reflection(text="Jeg savner mine kolleger", language="da", areas=[]),
                         Reflection(text="Jeg føler mig alene", language="da", areas=["andet"])]
        s.add(p)
        s.commit()
    app.engine.dispose()
    out = samtale("themes", "reclassify", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "reclassified 2 reflections, 1 changed" in out.stdout
    out = samtale("themes", "evaluate", cwd=tmp_path)
    assert out.returncode == 0 and "exactly right" in out.stdout and "sundhed" in out.stdout


def test_classify_about_prints_each_safety_files_version_and_review(tmp_path):
    out = samtale("classify", "--about", cwd=tmp_path, stdin="jeg vil ikke leve mere\n")
    assert out.returncode == 0, out.stderr
    rows = {row["file"]: row for row in map(json.loads, out.stdout.splitlines())}
    assert set(rows) == {"content/safety/crisis.toml", "content/safety/crisis_reply.toml",
                         "content/safety/human_contacts.toml", "content/safety/signpost.toml"}
    assert rows["content/safety/crisis.toml"]["version"] == 5
    assert rows["content/safety/crisis_reply.toml"]["reviewed_by"] == "pending clinical review"
    for row in rows.values():
        assert set(row) == {"file", "version", "reviewed_by", "reviewed_on"} and row["reviewed_by"]
        assert row["reviewed_on"] is None or len(row["reviewed_on"]) == 10
    assert list(tmp_path.iterdir()) == []


def test_classify_prints_the_crisis_tier_and_explains_the_themes(tmp_path):
    texts = "jeg vil ikke leve mere\nJeg har fundet ro nu, alt er ordnet\nJeg er 81 og bor alene i huset\n"
    out = samtale("classify", cwd=tmp_path, stdin=texts)
    assert out.returncode == 0, out.stderr
    explicit, veiled, ordinary = map(json.loads, out.stdout.splitlines())
    assert (explicit["crisis_tier"], explicit["crisis"]) == (1, True)
    assert (veiled["crisis_tier"], veiled["crisis"]) == (2, False)
    assert ordinary["crisis_tier"] == 0 and ordinary["crisis"] is False
    assert ordinary["areas"][0] == "hjem" and ordinary["group"] == "aeldre"
    assert ordinary["themes_explained"] == "hjem (lexicon: bor alene, huset); group aeldre (stated age)"


def test_crisis_evaluate_reports_both_tiers_per_set(tmp_path):
    (tmp_path / "set.tsv").write_text("label\tlang\ttext\ncrisis\tda\tjeg vil ikke leve mere\n"
                                      "crisis\tda\tJeg har fundet ro nu, alt er ordnet\nordinary\tda\tJeg savner min hund\n")
    out = samtale("crisis", "evaluate", "set.tsv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "crisis texts reaching tier 1 or 2: 2/2 = 100.0 % (tier 1 1, tier 2 1)" in out.stdout
    assert "ordinary texts at tier 1: 0/1 = 0.0 %; at tier 2: 0/1 = 0.0 %" in out.stdout
