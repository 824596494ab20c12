"""Warm hand-offs delivered: each pending referral to its organisation's sink, signed; the person told.

A referral holds only what the person chose to share (handlers/directory_handoff.py). It goes to the sink
named by the organisation's directory id in `[[directory.sinks]]` — a webhook gets a POST of

    {"referral_id": 7, "organisation_id": "…", "service_id": "…", "service": "…",
     "shared": {"name": …, "contact": …, "note": …}, "asked_at": "…"}

signed and retried exactly as digests are (bot/knowledge_base/sinks.py: X-Samtale-Signature, Idempotency-Key
"referral-<id>-<hash of the body>"). Once it is accepted the referral is marked delivered and the person gets
one message through the outbox. A referral to an organisation with no sink stays pending; every referral is
deleted `directory.referral_retention_days` after it was asked for.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import InsightsSettings, Settings
from bot.knowledge_base.sinks import DeliveryError, build_sinks
from bot.scheduling.runtime import Runtime, scheduled
from content.i18n import t
from handlers.core.types import Reply
from storage.directory_models import DirReferral, DirService
from storage.models import Participant
from storage.outbox import enqueue

log = logging.getLogger(__name__)
KIND = "referral"


def _body(ref: DirReferral, svc: DirService) -> tuple[dict, bytes]:
    payload = {"referral_id": ref.id, "organisation_id": svc.organisation_id, "service_id": svc.id,
               "service": svc.name, "shared": ref.shared, "asked_at": ref.created_at.isoformat()}
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    # The sinks' shape: an id and a content key make the Idempotency-Key, the same on every retry.
    return {"digest_id": f"referral-{ref.id}", "digest_key": hashlib.sha256(body).hexdigest()[:16]}, body


def _tell(session: Session, ref: DirReferral, svc: DirService, now: datetime) -> None:
    person = session.get(Participant, ref.participant_id)
    if person is None:
        return
    lang = person.language or "da"
    enqueue(session, kind=KIND, ref=str(ref.id), participant_id=person.id, platform=person.platform,
            intent=Reply(t(lang, "directory.handoff.received", organisation=svc.organisation.name), personal=True),
            now=now)


async def deliver_referrals(sessions: sessionmaker[Session], settings: Settings, now: datetime,
                            env: Mapping[str, str] | None = None) -> dict[str, int]:
    """Send every pending referral whose organisation has a sink; how many were delivered, failed, waiting."""
    sinks = {s.name: s for s in build_sinks(InsightsSettings(sinks=settings.directory.sinks), env)}
    counts = {"delivered": 0, "failed": 0, "waiting": 0}
    with sessions() as session:
        pending = [(r.id, r.service_id) for r in session.scalars(
            select(DirReferral).where(DirReferral.status == "pending").order_by(DirReferral.id))]
    for ref_id, service_id in pending:
        with sessions() as session:
            ref, svc = session.get(DirReferral, ref_id), session.get(DirService, service_id)
            if ref is None or ref.status != "pending":
                continue  # erased by /forget meanwhile, or sent by another run
            sink = sinks.get(svc.organisation_id) if svc is not None else None
            if sink is None:
                counts["waiting"] += 1
                continue
            digest, body = _body(ref, svc)
        try:
            await sink.send(digest, body, body.decode())
        except DeliveryError as exc:
            log.warning("referral %s to %s not delivered: %s", ref_id, sink.name, exc)
            counts["failed"] += 1
            continue
        with sessions() as session:
            ref, svc = session.get(DirReferral, ref_id), session.get(DirService, service_id)
            if ref is not None and svc is not None:
                ref.status, ref.delivered_at = "delivered", now
                _tell(session, ref, svc, now)
                session.commit()
                counts["delivered"] += 1
    return counts


def purge_referrals(session: Session, settings: Settings, now: datetime) -> int:
    """Delete referrals older than the retention period (the caller commits)."""
    cutoff = now - timedelta(days=settings.directory.referral_retention_days)
    return session.execute(delete(DirReferral).where(DirReferral.created_at < cutoff)).rowcount or 0


@scheduled
async def referrals_job(rt: Runtime) -> None:
    """Pending warm hand-offs to their organisations; expired ones deleted."""
    if rt.settings is None:
        return
    now = rt.clock()
    await deliver_referrals(rt.sessions, rt.settings, now)
    with rt.sessions() as session:
        purge_referrals(session, rt.settings, now)
        session.commit()
