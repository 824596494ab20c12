"""The facilitator's commands and a citizen's console, as people run them: samtale campaign …, samtale
outbox status, and a prompt that waits for the citizen's next console session."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SUBSCRIBE = "/start\nJa, jeg giver samtykke\nDansk\n30–49\nAarhus\nJa, anonymt\nJa, gerne\n"


def samtale(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "LANG": "da_DK.UTF-8", "COLUMNS": "200"}
    env.pop("SAMTALE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, input=stdin, text=True,
                          capture_output=True, timeout=60, env=env)


def test_list_show_and_preview(tmp_path):
    out = samtale("campaign", "list", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "vinter-2026" in out.stdout and "0 of 10" in out.stdout and "0 10 * * tue" in out.stdout
    out = samtale("campaign", "show", "vinter-2026", cwd=tmp_path)
    assert out.returncode == 0 and "foerste-skridt" in out.stdout and "fritid og fællesskaber" in out.stdout
    assert "15-17, 18-29" in out.stdout and "not yet" in out.stdout
    out = samtale("campaign", "preview", "vinter-2026", "--lang", "en", cwd=tmp_path)
    assert out.returncode == 0
    assert "What would make it a little easier to say hello to a neighbour?" in out.stdout
    assert "[1] Someone to go with" in out.stdout and "[2] Not now" in out.stdout
    out = samtale("campaign", "show", "sommer", cwd=tmp_path)
    assert out.returncode == 1 and "no campaign 'sommer' (known: vinter-2026)" in out.stderr


def test_send_now_then_the_citizen_gets_it_in_their_next_session(tmp_path):
    out = samtale("run", "--as", "karen", cwd=tmp_path, stdin=SUBSCRIBE)
    assert out.returncode == 0 and "Dejligt" in out.stdout, out.stderr
    out = samtale("campaign", "send-now", "vinter-2026", "nabo-hej", "--dry-run", cwd=tmp_path)
    assert "would go to up to 1 subscriber(s)" in out.stdout
    out = samtale("campaign", "send-now", "vinter-2026", "nabo-hej", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "vinter-2026/nabo-hej: 1 queued" in out.stdout and "samtale outbox status" in out.stdout
    out = samtale("outbox", "status", cwd=tmp_path)  # not a terminal: one plain table, no live view
    assert out.returncode == 0 and "console" in out.stdout
    assert "vinter-2026/nabo-hej: 0 of 1 done" in out.stdout

    # Someone else's console session does not get Karen's prompt …
    out = samtale("run", "--as", "ole", cwd=tmp_path, stdin="")
    assert "sige hej til en nabo" not in out.stdout
    # … Karen's does, before she types anything, and what she writes answers it.
    out = samtale("run", "--as", "karen", cwd=tmp_path, stdin="Et fælles måltid i gården\n")
    assert out.returncode == 0, out.stderr
    said = out.stdout
    hour = datetime.now(ZoneInfo("Europe/Copenhagen")).hour
    if 9 <= hour < 21:
        assert said.index("sige hej til en nabo") < said.index("Tak, fordi du deler det"), said
        rows = sqlite3.connect(tmp_path / "samtale.db").execute("SELECT text, prompt_id FROM reflections").fetchall()
        assert rows == [("Et fælles måltid i gården", "vinter-2026/nabo-hej")]
        out = samtale("outbox", "status", cwd=tmp_path)
        assert "nabo-hej" not in out.stdout  # nothing left to send
    else:  # quiet hours (Copenhagen time) now: it waits for the morning
        assert "sige hej til en nabo" not in said


def test_a_malformed_campaign_stops_the_start_with_file_line_and_key(tmp_path):
    folder = tmp_path / "kampagner"
    folder.mkdir()
    shipped = Path(__file__).resolve().parents[2] / "content" / "campaigns" / "2026-vinter.toml"
    text = shipped.read_text(encoding="utf-8").replace('area = "hjem og bolig"', 'area = "bolig"', 1)
    (folder / "vinter.toml").write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l == 'area = "bolig"')
    (tmp_path / "samtale.toml").write_text(f'[campaigns]\nfolder = "{folder}"\n', encoding="utf-8")
    out = samtale("run", "--as", "karen", cwd=tmp_path, stdin="/start\n")
    assert out.returncode == 1
    assert f"vinter.toml:{line}: `prompts[0].area`: must be one of the strategy's five areas" in out.stderr
    assert "Traceback" not in out.stderr
    out = samtale("campaign", "list", cwd=tmp_path)
    assert out.returncode == 1 and "`prompts[0].area`" in out.stderr
