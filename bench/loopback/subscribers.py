"""Subscriber seeding: many consenting, onboarded, subscribed people with a contact, in bulk inserts."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select

from storage.campaign_models import PromptSubscription
from storage.models import Contact, Participant


def add_subscribers(session, n: int, *, platform: str = "telegram", start: int = 1, language: str | None = "da",
                    age_band: str | None = "30-49", municipality: str | None = "Aarhus", frequency: str = "every",
                    chat_offset: int = 0) -> list[int]:
    """n consenting, onboarded, subscribed people with a contact; returns their participant ids."""
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    rows = [dict(platform=platform, external_id=str(start + i), created_at=now, language=language, age_band=age_band,
                 municipality=municipality, region=None, quote_default=False, role="citizen", consent_state="given",
                 onboarded=True) for i in range(n)]
    session.execute(insert(Participant), rows)
    ids = list(session.scalars(select(Participant.id).where(
        Participant.platform == platform, Participant.external_id.in_([r["external_id"] for r in rows]))))
    by_ext = dict(session.execute(select(Participant.external_id, Participant.id).where(Participant.id.in_(ids))).all())
    session.execute(insert(Contact), [dict(participant_id=by_ext[r["external_id"]],
                                           chat_id=str(int(r["external_id"]) + chat_offset), reachable=True,
                                           updated_at=now) for r in rows])
    session.execute(insert(PromptSubscription), [dict(participant_id=pid, subscribed=True, paused=False,
                                                      frequency=frequency, asked_at=now, decided_at=now,
                                                      updated_at=now) for pid in ids])
    return ids
