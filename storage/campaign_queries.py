"""Who a campaign prompt goes to: the eligible subscribers, and who already had a prompt that day or week."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import aliased

from storage.campaign_models import (
    LIVE_STATUSES,
    PROMPT_KIND,
    OutboxMessage,
    PromptSubscription,
)
from storage.models import Contact, Participant


def eligible_subscribers(age_bands: Sequence[str] = (), municipalities: Sequence[str] = ()) -> Select:
    """(id, platform, language) of everyone who wants prompts, can be reached, and is in the target
    age bands and municipalities (all, when none are given)."""
    conds = [
        Participant.consent_state == "given",
        Participant.onboarded.is_(True),
        PromptSubscription.subscribed.is_(True),
        PromptSubscription.paused.is_(False),
        PromptSubscription.frequency.in_(("every", "weekly")),
        Contact.reachable.is_(True),
    ]
    if age_bands:
        conds.append(Participant.age_band.in_(age_bands))
    if municipalities:
        conds.append(Participant.municipality.in_(municipalities))
    return (select(Participant.id, Participant.platform, Participant.language)
            .select_from(Participant)
            .join(PromptSubscription, PromptSubscription.participant_id == Participant.id)
            .join(Contact, Contact.participant_id == Participant.id)
            .where(*conds))


def had_prompt(first_day: str, last_day: str) -> ColumnElement[bool]:
    """Had a prompt (queued, being sent or sent) on a day in [first_day, last_day].

    IN (uncorrelated subquery), not a correlated EXISTS: the set is computed once (a hashed subplan on
    PostgreSQL), where a correlated anti-join over an unanalysed outbox went quadratic."""
    o = aliased(OutboxMessage)
    return Participant.id.in_(select(o.participant_id).where(
        o.kind == PROMPT_KIND, o.status.in_(LIVE_STATUSES), o.day >= first_day, o.day <= last_day))
