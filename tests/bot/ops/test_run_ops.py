"""`samtale run` with the ops port on, as an operator runs it: a console session flows, /metrics counts it,
the JSON log holds none of the personal data written, `samtale status --json` names the leader, and on
SIGTERM /readyz turns 503 before the process stops."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

SESSION = ("/start\nJa, jeg giver samtykke\nDansk\n30–49\nAarhus\nJa, anonymt\nJa, gerne\n"
           "Ring til mig på 22 33 44 55 eller skriv til anna.hansen@example.dk, mit cpr er 010190-1234\n")
SECRETS = ("22 33 44 55", "22334455", "anna.hansen@example.dk", "010190-1234", "0101901234")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def wait_for(check, what: str, limit: float = 60.0):  # noqa: ANN001, ANN201
    """Poll until `check()` is truthy; a bound on waiting for a subprocess, not a measurement."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def counted(body: str, name: str) -> float:
    return sum(s.value for f in text_string_to_metric_families(body) for s in f.samples if s.name == name)


def env() -> dict[str, str]:
    out = {**os.environ, "LANG": "da_DK.UTF-8", "COLUMNS": "200"}
    out.pop("SAMTALE_DATABASE_URL", None)
    return out


def test_run_with_ops(tmp_path: Path):
    port = free_port()
    (tmp_path / "samtale.toml").write_text(
        f'[ops]\nlisten = "127.0.0.1:{port}"\ndrain_seconds = 4\n[scheduler]\nstart_delay_seconds = 0\n')
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "-v", "run", "--as", "anna"], cwd=tmp_path,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env())
    try:
        wait_for(lambda: fetch(port, "/healthz")[0] == 200, "/healthz")
        wait_for(lambda: fetch(port, "/readyz")[0] == 200, "/readyz (a leader elected)")
        proc.stdin.write(SESSION)
        proc.stdin.flush()
        body = wait_for(lambda: (b := fetch(port, "/metrics")[1]) and counted(b, "samtale_messages_in_total") >= 8
                        and b, "the session's messages counted")
        assert counted(body, "samtale_replies_out_total") >= 8
        assert counted(body, "samtale_scheduler_leader") == 1

        status = subprocess.run([sys.executable, "-m", "bot.cli", "status", "--json"], cwd=tmp_path, env=env(),
                                capture_output=True, text=True, timeout=60)
        found = json.loads(status.stdout)
        assert status.returncode == 0, status.stderr
        assert found["leader"]["process"] == f"{socket.gethostname()[:24]}:{proc.pid}"
        assert found["database"]["schema"]["up_to_date"] is True

        proc.send_signal(signal.SIGTERM)
        code, why = wait_for(lambda: (r := fetch(port, "/readyz"))[0] == 503 and r, "/readyz to turn 503")
        assert "draining" in why
        # The console reads stdin in a thread that a cancel cannot interrupt: its person "leaves" too.
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = proc.stderr.read()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    for secret in SECRETS:
        assert secret not in log
