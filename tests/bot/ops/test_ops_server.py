"""The ops port: /metrics counts what flows through the core, /readyz follows the database."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.start import start_ops
from handlers.core.types import Incoming
from storage.outbox import enqueue
from handlers.core.types import Reply
from tests.support.app import make_app
from tests.support.tcp_proxy import TcpProxy

LEADING = SimpleNamespace(scheduler=SimpleNamespace(leading=True))


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(found: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and all((k, v2) in ls for k, v2 in labels.items()))


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as resp:
        return resp.status, await resp.text()


def say(app, text: str, n: int, *, user: str = "anna") -> Incoming:
    return Incoming(platform="console", chat_id=user, user_id=user, text=text, message_id=str(n), locale_hint="da")


async def test_metrics_move_when_messages_flow(tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 's.db'}", tmp_path, clock, ops={"listen": "127.0.0.1:0"})
    server = await start_ops(app, LEADING)
    try:
        before = samples((await get(server.port, "/metrics"))[1])
        assert total(before, "samtale_messages_in_total") == 0
        await app.dispatcher.handle(Incoming(platform="console", chat_id="anna", user_id="anna", command="start",
                                             message_id="1", locale_hint="da"))
        await app.dispatcher.handle(say(app, "jeg vil tage mit eget liv i nat", 2))
        with app.sessions() as s:
            enqueue(s, kind="reminder", ref="e1", participant_id=1, platform="console",
                    intent=Reply("hej"), now=clock(), quiet=False)
            s.commit()
        status, body = await get(server.port, "/metrics")
        after = samples(body)
    finally:
        await server.stop()
        app.engine.dispose()
    assert status == 200
    assert total(after, "samtale_messages_in_total", platform="console", kind="command") == 1
    assert total(after, "samtale_messages_in_total", platform="console", kind="text") == 1
    assert total(after, "samtale_replies_out_total", platform="console") >= 2
    assert total(after, "samtale_crisis_replies_total", platform="console", kind="crisis") == 1
    assert total(after, "samtale_handler_seconds_count", handler="command:start") == 1
    assert total(after, "samtale_outbox_messages", platform="console", status="queued") == 1
    assert total(after, "samtale_scheduler_leader") == 1
    # No label carries a person, a chat id or what they wrote.
    labels = {v for (_, ls) in after for _, v in ls}
    assert not labels & {"anna", "1", "2", "jeg vil tage mit eget liv i nat"}


async def test_readyz_follows_the_database(tmp_path, clock, pg_url):
    url = urlsplit(pg_url)
    proxy = TcpProxy(url.hostname, url.port or 5432)
    await proxy.start()
    proxied = urlunsplit(url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}"))
    # Built off the loop: the proxy runs on it and the app's first connections go through the proxy.
    app = await asyncio.to_thread(make_app, proxied, tmp_path, clock, ops={"listen": "127.0.0.1:0"})
    server = await start_ops(app, LEADING)
    try:
        assert (await get(server.port, "/readyz"))[0] == 200
        await proxy.cut()
        app.engine.dispose()  # pooled connections would otherwise notice only on use
        status, body = await get(server.port, "/readyz")
        assert status == 503 and "database" in body
        assert (await get(server.port, "/healthz"))[0] == 200  # alive all along: no restart for an outage
        metrics = samples((await get(server.port, "/metrics"))[1])
        assert total(metrics, "samtale_database_up") == 0
        await proxy.restore()
        assert (await get(server.port, "/readyz"))[0] == 200
        server.drain()
        status, body = await get(server.port, "/readyz")
        assert status == 503 and "draining" in body
    finally:
        await server.stop()
        await proxy.cut()
        app.engine.dispose()


async def test_readyz_needs_a_leader(tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 's.db'}", tmp_path, clock, ops={"listen": "127.0.0.1:0"})
    server = await start_ops(app, SimpleNamespace(scheduler=SimpleNamespace(leading=False)))
    try:
        status, body = await get(server.port, "/readyz")
    finally:
        await server.stop()
        app.engine.dispose()
    assert status == 503 and "no process leads" in body


async def test_readyz_says_when_the_schema_is_behind_or_ahead(tmp_path, clock):
    app = make_app(f"sqlite:///{tmp_path / 's.db'}", tmp_path, clock, ops={"listen": "127.0.0.1:0"})
    server = await start_ops(app, LEADING)
    try:
        with app.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM alembic_version")
            conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('0001')")
        behind = await get(server.port, "/readyz")
        with app.engine.begin() as conn:
            # A newer release migrated the database during a rolling upgrade: old processes stay in.
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_next'")
        ahead = await get(server.port, "/readyz")
    finally:
        await server.stop()
        app.engine.dispose()
    assert behind[0] == 503 and "needs" in behind[1]
    assert ahead[0] == 200 and "newer than this code" in ahead[1]
