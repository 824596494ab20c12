"""The warm hand-off: "Vil du have, at en frivillig kontakter dig?" on a service that accepts referrals.

Nothing is shared without the person's explicit yes, and only what they typed for it: a first name (may be
skipped), how to reach them (needed, or nobody can call) and a short note (may be skipped). They see it all
before it goes, and may cancel at any step. The referral is kept keyed by the participant (in /mydata, gone
with /forget) and audited without who it was; bot/directory_referrals.py sends it to the organisation's sink.

    step      waits for                      next
    consent   [Ja, fortsæt] / [Nej tak]      name / (ended)
    name      text, or [Spring over]         contact
    contact   text                           note
    note      text, or [Spring over]         confirm
    confirm   [Send] / [Annullér]            (stored) / (ended)
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.common import flow_token_ok, parse_action, stale
from handlers.core.context import Ctx, Feature
from handlers.core.types import Button, CloseButtons, Intent, Reply
from storage.audit_models import HANDOFF, record
from storage.directory_models import DirReferral
from storage.directory_queries import service
from storage.models import Participant

FLOW = "dirhand"
MAX_NAME, MAX_CONTACT, MAX_NOTE = 40, 120, 300


def _buttons(ctx: Ctx, token: str, *pairs: tuple[str, str]) -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button(ctx.t(f"directory.handoff.{label}"), f"dh:{token}:{what}") for label, what in pairs),)


async def start_handoff(ctx: Ctx, service_id: str) -> list[Intent]:
    svc = service(ctx.session, service_id)
    if svc is None or not svc.accepts_referrals:
        return stale(ctx)
    if ctx.participant is None:
        return [Reply(ctx.t("directory.handoff.start_first"))]
    token = ctx.start_flow(FLOW, "consent", {"service": svc.id})
    return [Reply(ctx.t("directory.handoff.ask", organisation=svc.organisation.name, service=svc.name),
                  buttons=_buttons(ctx, token, ("yes", "yes"), ("no", "no")))]


def _ask(ctx: Ctx, step: str) -> list[Intent]:
    token = ctx.set_step(step)
    skip = _buttons(ctx, token, ("skip", "skip")) if step in ("name", "note") else ()
    return [Reply(ctx.t(f"directory.handoff.{step}"), buttons=skip, expects_text=True)]


def _confirm(ctx: Ctx) -> list[Intent]:
    token = ctx.set_step("confirm")
    data = ctx.flow.data  # type: ignore[union-attr]
    svc = service(ctx.session, data["service"])
    if svc is None:
        ctx.end_flow()
        return stale(ctx)
    dash = ctx.t("directory.handoff.nothing")
    text = ctx.t("directory.handoff.summary", organisation=svc.organisation.name, name=data.get("name") or dash,
                 contact=data["contact"], note=data.get("note") or dash)
    return [Reply(text, buttons=_buttons(ctx, token, ("send", "send"), ("cancel", "cancel")))]


def _send(ctx: Ctx) -> list[Intent]:
    data = dict(ctx.flow.data)  # type: ignore[union-attr]
    svc = service(ctx.session, data["service"])
    ctx.end_flow()
    if svc is None or ctx.participant is None:
        return stale(ctx)
    shared = {k: data[k] for k in ("name", "contact", "note") if data.get(k)}
    ctx.session.add(DirReferral(participant_id=ctx.participant.id, service_id=svc.id, shared=shared,
                                created_at=ctx.now))
    # Who asked stays out of the log: the audit says that a hand-off to this service happened, and what kinds
    # of detail went with it.
    record(ctx.session, actor="citizen", via="chat", action=HANDOFF, subject=svc.id, at=ctx.now,
           filters={"shared": sorted(shared)}, target=svc.organisation_id)
    return [CloseButtons(), Reply(ctx.t("directory.handoff.sent", organisation=svc.organisation.name),
                                  personal=True)]


async def handoff_action(ctx: Ctx) -> list[Intent]:
    parts = parse_action(ctx.incoming.action or "")
    if len(parts) != 3 or not flow_token_ok(ctx, FLOW, parts[1]):
        return stale(ctx)
    step, what = ctx.flow.step, parts[2]  # type: ignore[union-attr]
    if what in ("no", "cancel"):
        ctx.end_flow()
        return [CloseButtons(), Reply(ctx.t("directory.handoff.cancelled"))]
    if step == "consent" and what == "yes":
        return [CloseButtons(), *_ask(ctx, "name")]
    if step == "name" and what == "skip":
        return [CloseButtons(), *_ask(ctx, "contact")]
    if step == "note" and what == "skip":
        return [CloseButtons(), *_confirm(ctx)]
    if step == "confirm" and what == "send":
        return _send(ctx)
    return stale(ctx)


async def handoff_text(ctx: Ctx) -> list[Intent]:
    state = ctx.flow
    text = (ctx.incoming.text or "").strip()
    limit = {"name": MAX_NAME, "contact": MAX_CONTACT, "note": MAX_NOTE}.get(state.step if state else "")
    if state is None or limit is None:
        return [Reply(ctx.t("directory.handoff.use_buttons"))]
    if not text or len(text) > limit or ctx.crisis:
        # Too long, or empty: ask again, keeping what was given so far. A crisis message is never shared.
        return [Reply(ctx.t("directory.handoff.too_long", limit=limit) if text and not ctx.crisis
                      else ctx.t(f"directory.handoff.{state.step}"), expects_text=True)]
    ctx.set_step(state.step, **{state.step: text})
    if state.step == "name":
        return _ask(ctx, "contact")
    if state.step == "contact":
        return _ask(ctx, "note")
    return _confirm(ctx)


def referrals_of(session: Session, participant: Participant) -> list[DirReferral]:
    return list(session.scalars(select(DirReferral).where(DirReferral.participant_id == participant.id)
                                .order_by(DirReferral.id)))


def personal_data(session: Session, participant: Participant) -> dict:
    """For /mydata: each hand-off, what was shared, and whether it arrived."""
    return {"referrals": [{"service": r.service_id, "shared": r.shared, "status": r.status,
                           "asked_at": r.created_at.isoformat(),
                           "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None}
                          for r in referrals_of(session, participant)]}


HANDOFF_FEATURE = Feature(
    "directory_handoff",
    actions={"dh": handoff_action},
    text_steps={FLOW: handoff_text},
    personal_data={"directory_referrals": personal_data},
)
