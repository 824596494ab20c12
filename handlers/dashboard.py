"""/dashboard: a facilitator or organiser gets a one-time link to the web dashboard (bot/web/).

The link is valid for ten minutes, works once and is bound to the person and role who asked; only a
hash of it is kept (storage/dashboard_queries.py). Anyone else is told, kindly, that the dashboard is
for the partnership's staff. Links are rate-limited per person.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handlers.core.context import Command, Ctx, Feature
from handlers.core.types import Intent, Reply
from storage.dashboard_models import DashboardSession
from storage.dashboard_queries import LINK_VALID, Who, issue_link
from storage.models import Participant

STAFF = ("facilitator", "organiser")


def _who(ctx: Ctx) -> Who:
    if ctx.role == "facilitator":
        return Who("facilitator", identity=f"{ctx.incoming.platform}:{ctx.incoming.user_id}")
    assert ctx.participant is not None  # an organiser is a participant row
    return Who("organiser", participant_id=ctx.participant.id)


async def dashboard_command(ctx: Ctx) -> list[Intent]:
    if ctx.role not in STAFF:
        return [Reply(ctx.t("dashboard.staff_only"))]
    base = ctx.services.dashboard_url
    if not base:
        return [Reply(ctx.t("dashboard.off"))]
    token = issue_link(ctx.session, _who(ctx), ctx.lang, ctx.now)
    if token is None:
        return [Reply(ctx.t("dashboard.too_many"))]
    minutes = int(LINK_VALID.total_seconds() // 60)
    return [Reply(ctx.t("dashboard.link", url=f"{base.rstrip('/')}/login/{token}", minutes=minutes))]


def personal_data(session: Session, participant: Participant) -> dict:
    """For /mydata: when this person was logged in to the dashboard (never the secrets)."""
    rows = session.scalars(select(DashboardSession).where(or_(
        DashboardSession.participant_id == participant.id,
        DashboardSession.identity == f"{participant.platform}:{participant.external_id}"))
        .order_by(DashboardSession.id)).all()
    return {"sessions": [{"role": r.role, "from": r.created_at.isoformat(), "last_seen": r.seen_at.isoformat(),
                          "ended": r.ended_at.isoformat() if r.ended_at else None} for r in rows]}


# What this feature contributes; bot/app.py assembles every feature's into the registry.
FEATURE = Feature(
    "dashboard",
    commands=(Command("dashboard", dashboard_command, "commands.dashboard", listed=False),),
    personal_data={"dashboard": personal_data},
)
