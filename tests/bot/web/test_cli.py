"""`samtale web` serves the dashboard on loopback; `samtale web sessions` lists and ends sessions."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from bot.cli import main
from storage.clock import system_clock
from tests.support.web import client, link_for, log_in, web_app  # noqa: F401 - fixture


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_samtale_web_serves_the_login_page_on_loopback(sqlite_app, tmp_path):
    port = _free_port()
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "{sqlite_app.settings.database.url}"\n\n[web]\nenabled = true\n'
                      f'port = {port}\n', encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "web", "--config", str(config)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        answer = None
        for _ in range(200):  # waits for the server to listen, not a measurement
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        assert answer is not None, server.communicate(timeout=5)
        assert answer.status == 200 and "/dashboard" in answer.read().decode()
        assert "script-src 'none'" in answer.headers["content-security-policy"]
    finally:
        server.terminate()
        server.wait(timeout=20)


async def test_sessions_are_listed_and_revoked(web_app, clock, tmp_path):
    clock.now = system_clock()  # the command judges idleness by the real clock
    web = client(web_app, clock)
    log_in(web, await link_for(web_app, "fia"))
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "{web_app.settings.database.url}"\n', encoding="utf-8")
    runner = CliRunner()
    listed = runner.invoke(main, ["web", "sessions", "--config", str(config)])
    assert listed.exit_code == 0 and "facilitator" in listed.output and "fia" not in listed.output
    ended = runner.invoke(main, ["web", "sessions", "--revoke-all", "--config", str(config)])
    assert ended.exit_code == 0 and "ended 1 session" in ended.output
    assert web.get("/overview").status_code == 303
