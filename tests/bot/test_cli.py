"""The `samtale` command as a person runs it: a scripted console session, migrations, bad config."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """/start
Ja, jeg giver samtykke
Dansk
30–49
Århus
Ja, anonymt
Jeg spiser aftensmad alene hver dag, og det er det tungeste
Biblioteket har et strikkecafé som jeg tør prøve
Naboen ringede til mig i dag, det glædede mig
1
/mydata
/forget
1
"""
TEXTS = ["Jeg spiser aftensmad alene hver dag", "strikkecafé som jeg tør prøve", "Naboen ringede til mig"]


def samtale(*args: str, cwd: Path, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LANG": "da_DK.UTF-8", **(env or {})}
    full_env.pop("SAMTALE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=60, env=full_env)


def test_version(tmp_path):
    out = samtale("--version", cwd=tmp_path)
    assert out.returncode == 0 and "samtale" in out.stdout


def test_scripted_console_session_end_to_end(tmp_path):
    out = samtale("run", "--as", "ingrid_testesen", cwd=tmp_path, stdin=SCRIPT)
    assert out.returncode == 0, out.stderr
    said = out.stdout
    for expected in ["chatbot", "Hvilket sprog", "Aarhus (Region Midtjylland)", "så er du med",
                     "Fjernet", "Refleksioner: 2", "Alt er slettet"]:
        assert expected in said, expected
    assert said.count("Tak, fordi du deler det") == 3
    # /mydata lists the two reflections kept (the third was undone) and saves the JSON file.
    mydata = said[said.index("Det har vi gemt"):said.index("Vil du slette")]
    assert TEXTS[0] in mydata and TEXTS[1] in mydata and TEXTS[2] not in mydata
    assert (tmp_path / "samtale-mydata-ingrid_testesen.json").exists()
    assert "Traceback" not in out.stderr
    for path in tmp_path.glob("samtale.db*"):
        data = path.read_bytes()
        for needle in [*TEXTS, "ingrid_testesen"]:
            assert needle.encode() not in data, f"{needle!r} left in {path.name}"


def test_first_reply_is_quick(tmp_path):
    """Not a timing test of our code's speed: a bar of the issue (answers /start within 2 s, cold)."""
    out = samtale("run", "--as", "x", cwd=tmp_path, stdin="/start\n")
    assert out.returncode == 0 and "samtykke" in out.stdout


def test_db_upgrade_then_run(tmp_path):
    from storage.migrate import head_revisions

    out = samtale("db", "upgrade", cwd=tmp_path)
    assert out.returncode == 0 and "database at revision" in out.stdout
    assert all(head in out.stdout for head in head_revisions("sqlite://"))
    out = samtale("run", "--as", "x", cwd=tmp_path, stdin="/help\n")
    assert out.returncode == 0 and "/forget" in out.stdout


def test_run_refuses_an_unmigrated_old_database(tmp_path):
    conn = sqlite3.connect(tmp_path / "samtale.db")
    conn.execute("create table participants (id integer primary key)")
    conn.commit()
    conn.close()
    out = samtale("run", "--as", "x", cwd=tmp_path, stdin="/start\n")
    assert out.returncode != 0
    assert "samtale db upgrade" in out.stderr and "Traceback" not in out.stderr


def test_bad_config_names_the_key(tmp_path):
    (tmp_path / "samtale.toml").write_text('[database]\nuri = "sqlite:///x.db"\n')
    out = samtale("run", cwd=tmp_path, stdin="")
    assert out.returncode != 0 and "database.uri" in out.stderr and "Traceback" not in out.stderr


def test_secret_in_config_file_is_refused(tmp_path):
    (tmp_path / "samtale.toml").write_text('telegram_token = "123:abc"\n')
    out = samtale("run", cwd=tmp_path, stdin="")
    assert out.returncode != 0 and "SAMTALE_TELEGRAM_TOKEN" in out.stderr


def test_config_example_is_valid(tmp_path):
    from bot.config import load_settings

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = load_settings(example, env={})
    assert settings.database.url.startswith("sqlite")


def test_missing_platform_token_is_a_clear_error(tmp_path):
    out = samtale("run", "--platform", "telegram", cwd=tmp_path, stdin="",
                  env={"SAMTALE_TELEGRAM_TOKEN": ""})
    assert out.returncode != 0 and "SAMTALE_TELEGRAM_TOKEN" in out.stderr


@pytest.mark.parametrize("who", ["anna", "bo"])
def test_as_picks_the_console_user(tmp_path, who):
    out = samtale("run", "--as", who, cwd=tmp_path, stdin="/start\nJa, jeg giver samtykke\n/mydata\n")
    assert out.returncode == 0
    assert (tmp_path / f"samtale-mydata-{who}.json").exists()
