"""Sinks: a folder, and a real local aiohttp server that checks the signature, fails twice, then accepts."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.config import ConfigError, InsightsSettings, Settings
from insights.digest import build_digest, digest_bytes
from insights.periods import parse_period
from bot.knowledge_base.sinks import FolderSink, WebhookSink, build_sinks, deliver, secret_env_var
from bot.knowledge_base.weekly import run_weekly_digest
from storage.insight_models import DigestDelivery

SECRET = b"a-shared-secret-of-some-length"
NOW = datetime(2026, 11, 30, 8, tzinfo=timezone.utc)


class KnowledgeBase:
    """A stand-in for the partnership's knowledge base: verifies, fails the first N tries, dedupes."""

    def __init__(self, fail_first: int = 2) -> None:
        self.fail_first = fail_first
        self.tries = 0
        self.bad_signatures = 0
        self.accepted: dict[str, bytes] = {}

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.tries += 1
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Samtale-Signature", ""), expected):
            self.bad_signatures += 1
            return web.Response(status=401)
        if self.tries <= self.fail_first:
            return web.Response(status=503)
        key = request.headers["Idempotency-Key"]
        self.accepted.setdefault(key, body)
        return web.json_response({"ok": True})


@pytest.fixture
async def kb():
    base = KnowledgeBase()
    server = web.Application()
    server.router.add_post("/digests", base.handle)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the port the OS chose
    base.url = f"http://127.0.0.1:{port}/digests"
    yield base
    await runner.cleanup()


def _digest(app):
    with app.sessions() as s:
        return build_digest(s, parse_period("2026-W48"), now=NOW)


async def _no_sleep(_seconds: float) -> None:
    return None


async def test_webhook_signed_retried_and_delivered_exactly_once(app, kb):
    digest = _digest(app)
    sink = WebhookSink("videnbank", kb.url, SECRET, max_attempts=5, backoff=0.01)
    [outcome] = await deliver(app.sessions, digest, [sink], requested_by="test")
    assert (outcome.status, outcome.attempts) == ("delivered", 3)
    assert kb.tries == 3 and kb.bad_signatures == 0
    assert list(kb.accepted.values()) == [digest_bytes(digest)]
    # Again (a rerun, the scheduler firing twice): nothing is sent.
    [again] = await deliver(app.sessions, digest, [sink], requested_by="test")
    assert again.status == "skipped" and kb.tries == 3
    with app.sessions() as s:
        log = [(r.sink, r.status, r.attempts, r.requested_by) for r in s.scalars(select(DigestDelivery).order_by(DigestDelivery.id))]
    assert log == [("videnbank", "delivered", 3, "test"), ("videnbank", "skipped", 0, "test")]


async def test_wrong_secret_fails_without_retrying(app, kb):
    sink = WebhookSink("videnbank", kb.url, b"the-wrong-secret-entirely", max_attempts=5, backoff=0.01)
    [outcome] = await deliver(app.sessions, _digest(app), [sink], requested_by="test")
    assert outcome.status == "failed" and "401" in outcome.error and kb.tries == 1


async def test_webhook_gives_up_after_max_attempts(sqlite_app, kb):
    kb.fail_first = 99
    sink = WebhookSink("videnbank", kb.url, SECRET, max_attempts=3, backoff=0.0, sleep=_no_sleep)
    [outcome] = await deliver(sqlite_app.sessions, _digest(sqlite_app), [sink], requested_by="test")
    assert (outcome.status, outcome.attempts, kb.tries) == ("failed", 3, 3)
    assert "503" in outcome.error


async def test_folder_sink_writes_json_and_markdown_with_stable_names(sqlite_app, tmp_path):
    digest = _digest(sqlite_app)
    sink = FolderSink("arkiv", tmp_path / "digests")
    [outcome] = await deliver(sqlite_app.sessions, digest, [sink], requested_by="test")
    assert outcome.status == "delivered"
    files = sorted(p.name for p in (tmp_path / "digests").iterdir())
    assert files == ["samtale-digest-2026-W48.json", "samtale-digest-2026-W48.md"]
    assert json.loads((tmp_path / "digests" / files[0]).read_text())["digest_key"] == digest["digest_key"]


def test_build_sinks_needs_the_secret_from_the_environment():
    settings = InsightsSettings.model_validate(
        {"sinks": [{"name": "videnbank", "type": "webhook", "url": "https://kb.example.dk/in"},
                   {"name": "arkiv", "type": "folder", "path": "digests"}]})
    assert secret_env_var("videnbank") == "SAMTALE_WEBHOOK_SECRET_VIDENBANK"
    with pytest.raises(ConfigError, match="SAMTALE_WEBHOOK_SECRET_VIDENBANK"):
        build_sinks(settings, env={})
    sinks = build_sinks(settings, env={"SAMTALE_WEBHOOK_SECRET_VIDENBANK": "x" * 32})
    assert [s.name for s in sinks] == ["videnbank", "arkiv"]
    assert [s.name for s in build_sinks(settings, env={}, only=["arkiv"])] == ["arkiv"]
    with pytest.raises(ConfigError, match="unknown sink"):
        build_sinks(settings, env={}, only=["nope"])


@pytest.mark.parametrize("bad, message", [
    ({"k": 3}, "greater than or equal to 5"),
    ({"sinks": [{"name": "x", "type": "webhook", "url": "http://kb.example.dk/in"}]}, "https"),
    ({"sinks": [{"name": "x", "type": "folder"}]}, "needs `path`"),
    ({"sinks": [{"name": "x", "type": "folder", "path": "a"}, {"name": "x", "type": "folder", "path": "b"}]},
     "twice"),
])
def test_bad_insights_config_is_refused(bad, message):
    with pytest.raises(Exception, match=message):
        Settings.model_validate({"insights": bad})


async def test_run_weekly_digest_sends_last_week_once(tmp_path, clock):
    from tests.support.app import make_app

    app = make_app(f"sqlite:///{tmp_path / 'w.db'}", tmp_path, clock,
                   insights={"sinks": [{"name": "arkiv", "type": "folder", "path": str(tmp_path / "out")}]})
    try:
        [first] = await run_weekly_digest(app, NOW)
        [second] = await run_weekly_digest(app, NOW)
    finally:
        app.engine.dispose()
    assert (first.status, second.status) == ("delivered", "skipped")
    assert (tmp_path / "out" / "samtale-digest-2026-W48.md").exists()


def test_a_digest_preview_is_in_the_audit_log(sqlite_app, tmp_path):
    """`samtale audit --help` promises previews: `samtale digest --dry-run` is listed by `samtale audit`."""
    from click.testing import CliRunner

    from bot.cli import main
    from tests.support.export import config_for

    config = config_for(sqlite_app, tmp_path)
    shown = CliRunner().invoke(main, ["digest", "--period", "2026-W47", "--dry-run", "--config", config])
    assert shown.exit_code == 0, shown.output
    listed = CliRunner().invoke(main, ["audit", "--action", "digest", "--config", config])
    assert listed.exit_code == 0 and "digest 2026-W47" in listed.output and "preview=True" in listed.output
