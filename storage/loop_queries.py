"""Queries of closing the loop: who answered a prompt, when it closed, who asked for its results, and
who may be told about an action-plan item (opted in, wrote about its theme, not told this month)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from storage.campaign_models import CampaignSend, as_utc
from storage.insight_models import SummaryRequest
from storage.loop_models import ActionNotice, ActionStatusChange, UpdatePreference
from storage.models import Contact, Participant, Reflection


def answerers(session: Session, prompt_id: str) -> int:
    """How many distinct people have a (not hidden) answer to the prompt."""
    return session.scalar(select(func.count(distinct(Reflection.participant_id)))
                          .where(Reflection.prompt_id == prompt_id, Reflection.hidden.is_(False))) or 0


def last_sent(session: Session, prompt_id: str) -> datetime | None:
    """When the prompt last went out (its answering window runs from there), or None."""
    return as_utc(session.scalar(select(func.max(CampaignSend.send_at)).where(CampaignSend.prompt_id == prompt_id)))


def waiting_requests(session: Session, prompt_id: str | None = None) -> list[SummaryRequest]:
    """Requests for results not yet sent (of one prompt, or of all)."""
    query = select(SummaryRequest).where(SummaryRequest.sent_at.is_(None))
    if prompt_id is not None:
        query = query.where(SummaryRequest.prompt_id == prompt_id)
    return list(session.scalars(query.order_by(SummaryRequest.requested_at)))


def answered_prompts(session: Session, participant_id: int, limit: int = 6) -> list[str]:
    """The prompts the person answered, newest first."""
    rows = session.execute(select(Reflection.prompt_id, func.max(Reflection.created_at).label("at"))
                           .where(Reflection.participant_id == participant_id, Reflection.prompt_id.is_not(None))
                           .group_by(Reflection.prompt_id).order_by(func.max(Reflection.created_at).desc())
                           .limit(limit)).all()
    return [prompt_id for prompt_id, _ in rows]


def wants_action_updates(session: Session, participant_id: int) -> bool:
    pref = session.get(UpdatePreference, participant_id)
    return bool(pref and pref.action_updates)


def set_action_updates(session: Session, participant_id: int, on: bool, now: datetime) -> None:
    pref = session.get(UpdatePreference, participant_id)
    if pref is None:
        session.add(UpdatePreference(participant_id=participant_id, action_updates=on, updated_at=now))
    else:
        pref.action_updates, pref.updated_at = on, now


def people_to_tell(session: Session, area: str, prompts: Iterable[str], told_since: datetime) -> list[tuple]:
    """(id, platform, language) of people who opted in, can be reached, wrote (not hidden) about `area` or
    answered one of `prompts`, and were not told about any item since `told_since`."""
    prompts = list(prompts)
    told = select(ActionNotice.participant_id).where(ActionNotice.queued_at >= told_since)
    rows = session.execute(
        select(Participant.id, Participant.platform, Participant.language, Reflection.areas, Reflection.prompt_id)
        .join(UpdatePreference, UpdatePreference.participant_id == Participant.id)
        .join(Contact, Contact.participant_id == Participant.id)
        .join(Reflection, Reflection.participant_id == Participant.id)
        .where(UpdatePreference.action_updates.is_(True), Participant.consent_state == "given",
               Contact.reachable.is_(True), Reflection.hidden.is_(False), Participant.id.not_in(told))
        .order_by(Participant.id)).all()
    found: dict[int, tuple] = {}
    for pid, platform, language, areas, prompt_id in rows:
        if area in (areas or []) or prompt_id in prompts:
            found.setdefault(pid, (pid, platform, language))
    return list(found.values())


def item_statuses(session: Session, year: int) -> dict[str, str]:
    """item id → the status a facilitator last marked it with (items never marked are absent)."""
    rows = session.execute(select(ActionStatusChange.item_id, ActionStatusChange.status)
                           .where(ActionStatusChange.year == year).order_by(ActionStatusChange.id)).all()
    return dict(rows)


def notices_of(session: Session, participant_id: int) -> list[ActionNotice]:
    return list(session.scalars(select(ActionNotice).where(ActionNotice.participant_id == participant_id)
                                .order_by(ActionNotice.id)))


def notices_sent(session: Session, year: int) -> int:
    """How many "you said, we did" messages went out about the year's plan (for the report's activities)."""
    return session.scalar(select(func.coalesce(func.sum(ActionStatusChange.notified), 0))
                          .where(ActionStatusChange.year == year)) or 0
