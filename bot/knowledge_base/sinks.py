"""Knowledge-base sinks: a folder of JSON + Markdown, and an HTTPS webhook with an HMAC signature.

Every delivery is logged in `digest_deliveries` (who asked, when, what, to where, how it went). A
digest is identified by its idempotency key (`digest_key`, a hash of its content without the time
it was made); one already delivered to a sink is not sent there again unless forced.

Webhook: POST of the digest JSON, headers
  X-Samtale-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with the sink's secret>
  Idempotency-Key:     <digest id>-<digest key>  (the same on every retry)
retried on network errors, timeouts, 408, 425, 429 and 5xx with exponential backoff (honouring
Retry-After); any other 4xx fails at once. The secret comes from SAMTALE_WEBHOOK_SECRET_<NAME>.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import re
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import __version__
from bot.config import ConfigError, InsightsSettings, SinkSettings
from insights.digest import digest_bytes
from insights.render import render_markdown
from storage.audit_models import DIGEST, record
from storage.insight_models import DELIVERED, DRY_RUN, FAILED, SENDING, SKIPPED, DigestDelivery
from storage.clock import system_clock

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0


def secret_env_var(name: str) -> str:
    return "SAMTALE_WEBHOOK_SECRET_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def idempotency_key(digest: dict) -> str:
    return f"{digest['digest_id']}-{digest['digest_key']}"


@dataclass
class Outcome:
    sink: str
    status: str  # delivered | skipped | failed | dry-run
    attempts: int = 0
    error: str | None = None
    target: str | None = None


class DeliveryError(Exception):
    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class FolderSink:
    """One `<digest id>.json` and `<digest id>.md` per digest; written atomically, stable names."""

    kind = "folder"

    def __init__(self, name: str, path: str | os.PathLike[str]) -> None:
        self.name = name
        self.path = Path(path)

    @property
    def target(self) -> str:
        return str(self.path)

    async def send(self, digest: dict, body: bytes, markdown: str) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        stem = digest["digest_id"]
        for suffix, data in ((".json", body), (".md", markdown.encode())):
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{stem}", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path / f"{stem}{suffix}")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return 1


class WebhookSink:
    kind = "webhook"

    def __init__(self, name: str, url: str, secret: bytes, *, timeout: float = 30.0, max_attempts: int = 5,
                 backoff: float = 2.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.name, self.url, self.secret = name, url, secret
        self.timeout, self.max_attempts, self.backoff, self.sleep = timeout, max_attempts, backoff, sleep

    @property
    def target(self) -> str:
        return self.url

    async def send(self, digest: dict, body: bytes, markdown: str) -> int:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Samtale-Signature": sign(self.secret, body),
            "Idempotency-Key": idempotency_key(digest),
            "X-Samtale-Digest": digest["digest_id"],
            "User-Agent": f"samtale/{__version__}",
        }
        # Imported here, not at the top: only a webhook needs it, and it costs a console bot's start
        # about 0.5 s (its SSL context); bench/footprint.py measures the start.
        import aiohttp

        last = "no attempt"
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for attempt in range(1, self.max_attempts + 1):
                wait = self.backoff * 2 ** (attempt - 1)
                try:
                    async with http.post(self.url, data=body, headers=headers, allow_redirects=False) as resp:
                        if 200 <= resp.status < 300:
                            return attempt
                        last = f"HTTP {resp.status}"
                        if resp.status not in RETRY_STATUSES:
                            raise DeliveryError(f"{last} (not retried)", attempt)
                        retry_after = resp.headers.get("Retry-After", "")
                        if retry_after.isdigit():
                            wait = max(wait, min(float(retry_after), MAX_RETRY_AFTER))
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    last = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("webhook %s attempt %d/%d failed: %s", self.name, attempt, self.max_attempts, last)
                if attempt < self.max_attempts:
                    await self.sleep(wait)
        raise DeliveryError(f"gave up after {self.max_attempts} attempts: {last}", self.max_attempts)


Sink = FolderSink | WebhookSink


def build_sinks(settings: InsightsSettings, env: Mapping[str, str] | None = None,
                only: list[str] | None = None) -> list[Sink]:
    """The configured sinks (or those named in `only`); a webhook without its secret is an error."""
    env = os.environ if env is None else env
    chosen: list[SinkSettings] = list(settings.sinks)
    if only:
        known = {s.name for s in chosen}
        unknown = [n for n in only if n not in known]
        if unknown:
            raise ConfigError(f"unknown sink(s) {unknown}; configured: {sorted(known) or 'none'}")
        chosen = [s for s in chosen if s.name in only]
    sinks: list[Sink] = []
    for s in chosen:
        if s.type == "folder":
            sinks.append(FolderSink(s.name, s.path or "."))
            continue
        var = secret_env_var(s.name)
        secret = env.get(var, "")
        if len(secret) < 16:
            raise ConfigError(f"insights sink {s.name!r} needs a shared secret of at least 16 characters "
                              f"in the environment variable {var}")
        sinks.append(WebhookSink(s.name, s.url or "", secret.encode(), timeout=s.timeout_seconds,
                                 max_attempts=s.max_attempts, backoff=s.backoff_seconds))
    return sinks


def _now() -> datetime:
    return system_clock()


def already_delivered(session: Session, sink: str, key: str) -> bool:
    return session.scalar(select(DigestDelivery.id).where(
        DigestDelivery.sink == sink, DigestDelivery.digest_key == key,
        DigestDelivery.status == DELIVERED).limit(1)) is not None


def _log_row(digest: dict, sink: str, kind: str, status: str, requested_by: str, target: str | None) -> DigestDelivery:
    return DigestDelivery(digest_id=digest["digest_id"], digest_key=idempotency_key(digest),
                          period=digest["period"]["id"], sink=sink, kind=kind, status=status, attempts=0,
                          requested_by=requested_by[:128], target=target, started_at=_now())


def log_dry_run(sessions: sessionmaker[Session], digest: dict, requested_by: str) -> None:
    """A preview is logged twice, in one transaction: as a delivery (so `samtale digest` history shows it)
    and in the audit log (it showed the digest to someone, as /digest in chat does)."""
    with sessions() as session:
        row = _log_row(digest, "(dry-run)", "dry-run", DRY_RUN, requested_by, None)
        row.finished_at = row.started_at
        session.add(row)
        record(session, actor=requested_by, via="cli" if requested_by.startswith("cli:") else "chat",
               action=DIGEST, subject=digest["period"]["id"], at=row.started_at,
               filters={"period": digest["period"]["id"], "k": digest.get("k_anonymity"), "preview": True},
               target="terminal", detail=f"digest key {digest.get('digest_key')}")
        session.commit()


async def deliver(sessions: sessionmaker[Session], digest: dict, sinks: list[Sink], *, requested_by: str,
                  force: bool = False, markdown_lang: str = "da") -> list[Outcome]:
    """Send one digest to each sink, once; every try is in the delivery log."""
    body = digest_bytes(digest)
    markdown = render_markdown(digest, markdown_lang)
    key = idempotency_key(digest)
    outcomes = []
    for sink in sinks:
        with sessions() as session:
            if not force and already_delivered(session, sink.name, key):
                session.add(_log_row(digest, sink.name, sink.kind, SKIPPED, requested_by, sink.target))
                session.commit()
                outcomes.append(Outcome(sink.name, SKIPPED, target=sink.target))
                continue
            row = _log_row(digest, sink.name, sink.kind, SENDING, requested_by, sink.target)
            session.add(row)
            session.commit()
            try:
                attempts = await sink.send(digest, body, markdown)
                row.status, row.attempts = DELIVERED, attempts
                outcomes.append(Outcome(sink.name, DELIVERED, attempts, target=sink.target))
            except DeliveryError as exc:
                row.status, row.attempts, row.last_error = FAILED, exc.attempts, str(exc)
                outcomes.append(Outcome(sink.name, FAILED, exc.attempts, str(exc), sink.target))
            except OSError as exc:
                row.status, row.attempts, row.last_error = FAILED, 1, f"{type(exc).__name__}: {exc}"
                outcomes.append(Outcome(sink.name, FAILED, 1, row.last_error, sink.target))
            row.finished_at = _now()
            session.commit()
    return outcomes
