"""Helpers for the events tests (no tests here): organisers, seeded events and people, outbox notices."""
from __future__ import annotations

from dataclasses import replace

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from handlers.core.dispatch import Dispatcher
from handlers.core.flood import Limits
from handlers.events.invites import create_invite
from handlers.core.types import Incoming, Intent, Reply
from handlers.events.config import EventsConfig
from storage.campaign_models import OutboxMessage
from storage.event_models import Event, Organisation
from storage.models import Consent, Contact, Participant


@pytest.fixture(autouse=True)
def relaxed_flood(request):
    """Organisers answer a dozen questions within the test clock's one minute: no flood limit here
    (import this fixture into a test module to use it)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").dispatcher.flood.limits = Limits(10**6, 10**6, 10**6, 10**6)


def make_code(app, org: str = "Røde Kors Aarhus", municipality: str = "Aarhus", now: datetime | None = None,
              days: int = 30) -> str:
    with app.sessions() as s:
        code, _ = create_invite(s, org, municipality, now or app.clock(), days=days,
                                created_by="test")
        s.commit()
    return code


async def become_organiser(app, person, org: str = "Røde Kors Aarhus", municipality: str = "Aarhus",
                           clock=None) -> None:
    code = make_code(app, org, municipality, clock() if clock else None)
    said = await person.say(f"/organiser {code}")
    assert org in said, said


def organisation_id(app, name: str, municipality: str = "Aarhus") -> int:
    with app.sessions() as s:
        org = s.scalars(select(Organisation).where(Organisation.name == name)).one_or_none()
        if org is None:
            org = Organisation(name=name, municipality=municipality)
            s.add(org)
            s.commit()
        return org.id


def seed_event(app, now: datetime, *, org: str = "Røde Kors Aarhus", title: str = "Fællesspisning",
               capacity: int | None = 10, plus_one: bool = False, days: float = 7, municipality: str = "Aarhus",
               online: bool = False, duration: int = 120) -> int:
    org_id = organisation_id(app, org, municipality)
    with app.sessions() as s:
        event = Event(organisation_id=org_id, title=title, description="Vi spiser sammen.",
                      starts_at=(now + timedelta(days=days)).astimezone(timezone.utc), duration_minutes=duration,
                      place="Medborgerhuset, Vestergade 12", online=online, municipality=municipality,
                      capacity=capacity, plus_one=plus_one, created_at=now, updated_at=now)
        s.add(event)
        s.commit()
        return event.id


def seed_people(app, n: int, *, prefix: str = "p", lang: str = "da", platform: str = "console") -> list[str]:
    """People who have consented and can be reached; returns their user ids."""
    ids = [f"{prefix}{i}" for i in range(n)]
    with app.sessions() as s:
        for uid in ids:
            p = Participant(platform=platform, external_id=uid, consent_state="given", onboarded=True, language=lang,
                            municipality="Aarhus", region="Region Midtjylland")
            p.consents.append(Consent(granted=True, version="1", language=lang, text="samtykke"))
            p.contact = Contact(chat_id=uid, reachable=True)
            s.add(p)
        s.commit()
    return ids


def participant_id(app, user: str, platform: str = "console") -> int:
    with app.sessions() as s:
        return s.scalars(select(Participant.id).where(Participant.platform == platform,
                                                      Participant.external_id == user)).one()


async def press(app, user: str, action: str, *, platform: str = "console", chat_type: str = "private",
                display_name: str | None = None) -> list[Intent]:
    return await app.dispatcher.handle(Incoming(platform=platform, chat_id=user, user_id=user, action=action,
                                                chat_type=chat_type, display_name=display_name))


def texts(intents: list[Intent]) -> str:
    return "\n".join(i.text for i in intents if isinstance(i, Reply))


def notices(app, kind: str | None = None, user: str | None = None) -> list[OutboxMessage]:
    with app.sessions() as s:
        q = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            q = q.where(OutboxMessage.kind == kind)
        if user is not None:
            q = q.where(OutboxMessage.participant_id == participant_id(app, user))
        return list(s.scalars(q))


def in_threads(app, calls: list[tuple[str, str]]) -> list[list[Intent]]:
    """Each (user, action) pressed at the same moment from its own thread and event loop: real concurrency
    against the database, not just interleaved coroutines."""
    results: list[list[Intent] | None] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i: int, user: str, action: str) -> None:
        # The dispatcher batches on one event loop; each thread stands in for another bot process.
        own = Dispatcher(app.sessions, app.dispatcher.config, routes=app.dispatcher.routes,
                         services=app.dispatcher.services, secret_key="test")
        inc = Incoming(platform="console", chat_id=user, user_id=user, action=action)
        barrier.wait()
        results[i] = asyncio.run(own.handle(inc))

    threads = [threading.Thread(target=run, args=(i, u, a)) for i, (u, a) in enumerate(calls)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def use_events(app, config: EventsConfig | None = None) -> EventsConfig:
    """The app's [events] settings replaced, as a program built with them would hand them to features."""
    config = config or EventsConfig()
    app.dispatcher.services = replace(app.dispatcher.services, events=config)
    return config
