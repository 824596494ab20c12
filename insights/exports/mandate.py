"""What the annual report owes the agreement parties beyond statistics: status, activities, findings.

- status: the year's action plan (content/action_plan.py) per item and per area, and for an item tied
  to campaign prompts, how many people answered them;
- activities: campaigns run (prompts delivered, people reached and the share who answered, by area),
  events held (started before the report was made) and planned, municipalities with active organisers,
  digests delivered to the knowledge base;
- results: quotes per area and each area's findings as a facilitator wrote or approved them (None: the
  report shows a placeholder, never text of its own).
Every count of people goes through the cell-key layer (insights.disclosure) like every digest cell.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from content.action_plan import STATUSES, ActionPlan, load_action_plan
from content.campaigns import load_campaigns
from content.findings import load_findings
from engines.themes import load_lexicon
from insights.disclosure import publish_people, table_key
from insights.periods import Period
from storage.campaign_models import PROMPT_KIND, SENT, OutboxMessage
from storage.event_models import CANCELLED, Event, Organisation, OrganiserMembership
from storage.insight_models import DELIVERED, DigestDelivery
from storage.models import Participant, Reflection


def _area_of_prompt() -> dict[str, str]:
    """Campaign prompt ref -> theme id of its area (campaigns name areas in Danish; the lexicon has both)."""
    by_name = {c.name_da: c.id for c in load_lexicon().areas}
    return {p.ref: by_name.get(p.area, p.area) for c in load_campaigns() for p in c.prompts}


def _reach(session: Session, period: Period) -> tuple[dict[str, dict[int, int]], dict[str, set[int]], dict[int, int]]:
    """Per prompt ref: who got it (participant -> deliveries) and who answered it, with record keys."""
    got: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    keys: dict[int, int] = {}
    for ref, pid, key in session.execute(
            select(OutboxMessage.ref, OutboxMessage.participant_id, Participant.record_key)
            .join(Participant, Participant.id == OutboxMessage.participant_id)
            .where(OutboxMessage.kind == PROMPT_KIND, OutboxMessage.status == SENT,
                   OutboxMessage.sent_at >= period.start, OutboxMessage.sent_at < period.end)):
        got[ref][pid] += 1
        keys[pid] = key
    answered: dict[str, set[int]] = defaultdict(set)
    refs = sorted(set(got) | {p.ref for c in load_campaigns() for p in c.prompts})
    for chunk in (refs[i:i + 500] for i in range(0, len(refs), 500)):
        # By prompt (its index), not by time: a year holds a million reflections, few of them answers.
        for ref, pid, key in session.execute(
                select(Reflection.prompt_id, Reflection.participant_id, Participant.record_key)
                .join(Participant, Participant.id == Reflection.participant_id)
                .where(Reflection.prompt_id.in_(chunk), Reflection.hidden.is_(False),
                       Reflection.created_at >= period.start, Reflection.created_at < period.end)):
            answered[ref].add(pid)
            keys[pid] = key
    return got, answered, keys


def _cell(refs: list[str], got: dict, answered: dict, keys: dict[int, int], k: int, table: int, label: object) -> dict:
    """Prompts delivered, people reached and people who answered, for a group of prompts; None = hidden."""
    reached: set[int] = set()
    deliveries = 0
    replied: set[int] = set()
    for ref in refs:
        reached |= set(got.get(ref, {}))
        deliveries += sum(got.get(ref, {}).values())
        replied |= answered.get(ref, set())
    reach = publish_people(frozenset(reached), keys, k, deliveries, table=table, label=("reached", label))
    # An answer to a prompt counts for the prompt, also from someone it reached before the period.
    answers = publish_people(frozenset(replied), keys, k, table=table, label=("answered", label))
    people = reach.participants if reach else None
    said = answers.participants if answers else None
    return {"sent": reach.reflections if reach else None, "reached": people, "answered": said,
            "share": None if not (people and said is not None) else round(min(1.0, said / people), 4)}


def campaigns(session: Session, period: Period, k: int) -> dict:
    """Campaigns with a prompt delivered in the period, and the same figures by area."""
    got, answered, keys = _reach(session, period)
    area_of = _area_of_prompt()
    table = table_key(f"{period.id}:campaigns", set(keys), keys)
    by_campaign: dict[str, list[str]] = defaultdict(list)
    by_area: dict[str, list[str]] = defaultdict(list)
    for ref in sorted(set(got) | set(answered)):
        by_campaign[ref.split("/", 1)[0]].append(ref)
        by_area[area_of.get(ref, "andet")].append(ref)
    titles = {c.id: c.title for c in load_campaigns()}
    rows = [{"id": cid, "title": titles.get(cid, {}), "prompts": len([r for r in refs if r in got]),
             **_cell(refs, got, answered, keys, k, table, cid)}
            for cid, refs in by_campaign.items() if any(r in got for r in refs)]
    areas = [{"area": a, **_cell(refs, got, answered, keys, k, table, ("area", a))}
             for a, refs in sorted(by_area.items()) if any(r in got for r in refs)]
    total = _cell(list(got), got, answered, keys, k, table, "total") if got else None
    return {"campaigns": rows, "areas": areas, "total": total, "answered": answered, "keys": keys, "table": table}


def activities(session: Session, period: Period, now: datetime, k: int, reach: dict) -> dict:
    """Campaigns, events held and planned, municipalities with active organisers, digests delivered."""
    live = Event.status != CANCELLED
    held = session.scalar(select(func.count()).select_from(Event).where(
        live, Event.starts_at >= period.start, Event.starts_at < min(period.end, now)))
    planned = session.scalar(select(func.count()).select_from(Event).where(live, Event.starts_at >= now))
    # A municipality counts when an organisation with an organiser there announced an event for the period.
    active = session.scalars(
        select(Organisation.municipality).distinct()
        .join(OrganiserMembership, OrganiserMembership.organisation_id == Organisation.id)
        .join(Event, Event.organisation_id == Organisation.id)
        .where(Event.starts_at >= period.start, Event.starts_at < period.end)).all()
    digests = session.scalar(select(func.count(distinct(DigestDelivery.digest_id))).where(
        DigestDelivery.status == DELIVERED, DigestDelivery.started_at >= period.start,
        DigestDelivery.started_at < period.end))
    return {"campaigns": reach["campaigns"], "campaign_areas": reach["areas"], "campaign_total": reach["total"],
            "events_held": held or 0, "events_planned": planned or 0,
            "organiser_municipalities": len(active), "organiser_municipality_names": sorted(active),
            "digests_delivered": digests or 0}


def status(plan: ActionPlan | None, reach: dict, k: int) -> dict | None:
    """The plan's items with the people who answered their prompts, and the count of items per area and status."""
    if plan is None:
        return None
    items = []
    for item in plan.items:
        replied: set[int] = set()
        for ref in item.prompts:
            replied |= reach["answered"].get(ref, set())
        cell = publish_people(frozenset(replied), reach["keys"], k, table=reach["table"],
                              label=("answered", "item", item.id)) if item.prompts else None
        items.append({"id": item.id, "title": item.title, "area": item.area, "owner": item.owner,
                      "status": item.status, "milestones": list(item.milestones), "note": item.note,
                      "prompts": list(item.prompts), "report_url": item.report_url,
                      "answered": None if cell is None else cell.participants, "linked": bool(item.prompts)})
    by_area: dict[str, dict[str, int]] = {}
    for item in plan.items:
        by_area.setdefault(item.area, dict.fromkeys(STATUSES, 0))[item.status] += 1
    return {"year": plan.year, "example": plan.example, "items": items, "by_area": by_area,
            "goals": [{"id": g.id, "title": g.title, "area": g.area} for g in plan.goals]}


def findings(year: int, area_ids: list[str], folder: Path | None = None) -> dict[str, dict | None]:
    found = load_findings(year, folder)
    return {a: ({"text": f.text, "approved_by": f.approved_by, "approved_on": f.approved_on.isoformat()}
                if (f := found.get(a)) else None) for a in area_ids}


def build_mandate(session: Session, period: Period, now: datetime, k: int, content: Path | None = None) -> dict:
    """Status, activities and findings; `content` is the folder of the plan and findings (content/report/)."""
    reach = campaigns(session, period, k)
    area_ids = [c.id for c in load_lexicon().areas]
    return {
        "status": status(load_action_plan(period.first_day.year, content), reach, k),
        "activities": activities(session, period, now, k, reach),
        "findings": findings(period.first_day.year, area_ids, content),
        "provisional": now < period.end,
    }
