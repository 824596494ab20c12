"""The rows of each export kind, streamed from the database.

Every query runs with `yield_per` (psycopg: a server-side cursor; SQLite: the cursor is read a
batch at a time), so a million reflections pass through without being held in memory. People
appear only as per-export pseudonyms; platform, chat and external ids are never selected, and
reflection text is the scrubbed text stored (the scrubber runs before anything is saved).

Which date each kind is filtered on: reflections when written, events when they start, sign-ups
when made, participants when they joined (people who consented, or later withdrew).
Region and municipality are the writer's for reflections and participants, the event's for events
and sign-ups.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime

from sqlalchemy import String, case, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from insights.exports.digests import digests
from insights.exports.pseudonyms import Pseudonyms
from insights.exports.source import Source
from insights.exports.spec import ExportSpec
from insights.exports.writers import Column
from insights.digest import UNKNOWN
from content.municipalities import load_municipalities, regions
from engines.themes import OTHER, load_lexicon
from storage.event_models import CONFIRMED, WAITING, WITHDRAWN, Event, Organisation, Signup
from storage.models import Participant, Reflection

BATCH = 5000


def _region_of() -> dict[str, str]:
    return {m.name: m.region for m in load_municipalities()}


def _municipalities_in(region: str) -> list[str]:
    return [m.name for m in load_municipalities() if m.region == region]


def _person_place(spec: ExportSpec) -> list:
    """Conditions on a participant's stored region and municipality."""
    conds = []
    if spec.region == UNKNOWN:
        conds.append(or_(Participant.region.is_(None), Participant.region.notin_(regions())))
    elif spec.region is not None:
        conds.append(Participant.region == spec.region)
    if spec.municipality is not None:
        conds.append(Participant.municipality == spec.municipality)
    return conds


def _event_place(spec: ExportSpec) -> list:
    conds = []
    if spec.region == UNKNOWN:
        conds.append(Event.municipality.notin_(list(_region_of())))
    elif spec.region is not None:
        conds.append(Event.municipality.in_(_municipalities_in(spec.region)))
    if spec.municipality is not None:
        conds.append(Event.municipality == spec.municipality)
    return conds


def _span(column, spec: ExportSpec) -> list:
    conds = []
    if spec.start is not None:
        conds.append(column >= spec.start)
    if spec.end is not None:
        conds.append(column < spec.end)
    return conds


_MISSING = object()


class _AreaLists:
    """The stored JSON list of areas, parsed once per distinct value (there are few combinations)."""

    def __init__(self) -> None:
        self.seen: dict[str | None, list[str] | None] = {}

    def __call__(self, raw: str | None) -> list[str] | None:
        """None when nothing is stored (the caller classifies); else the areas."""
        found = self.seen.get(raw, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        value = json.loads(raw) if raw else None
        areas = None if not value else [str(a) for a in value]
        if len(self.seen) < 10_000:
            self.seen[raw] = areas
        return areas


def _when(column, sqlite: bool):
    """SQLite keeps times as text: read it as text and parse it in C (far faster than per-row regexes)."""
    return type_coerce(column, String) if sqlite else column


def _utc_parser(sqlite: bool) -> Callable[[object], datetime | None]:
    if not sqlite:
        return lambda v: v  # psycopg hands back aware datetimes

    def parse(v: object) -> datetime | None:
        if v is None:
            return None
        # Stored as UTC without an offset ("2026-06-16 11:44:03.127458"); say so, then parse in C.
        return datetime.fromisoformat(v if "+" in v[10:] else v + "+00:00")  # type: ignore[index,operator]

    return parse


def _stream(session: Session, stmt) -> Iterator:
    # Core rows on the session's connection (its transaction): no ORM bookkeeping per row.
    return iter(session.connection().execute(stmt.execution_options(yield_per=BATCH)))


def _count(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


# -- reflections -----------------------------------------------------------------------------------

REFLECTION_COLUMNS = [
    Column("reflection_id", "int"), Column("participant", "id"), Column("created_at", "datetime"),
    Column("language"), Column("areas", "list"), Column("prompt_id"), Column("text"),
    Column("text_deleted", "bool"), Column("quote_consent", "bool"), Column("crisis", "bool"),
    Column("hidden", "bool"), Column("age_band"), Column("region"), Column("municipality"),
    Column("consent_state"),
]


class _Writers:
    """What a reflection row needs of its writer (age band, region, municipality, consent), read once.

    Looking people up in a dict costs a fraction of joining them to every one of a million rows.
    Identical tuples are shared, so a person costs a dict entry (about 100 bytes: 100 MB for a
    million people). Someone who joins while the export runs is looked up on the way.
    """

    def __init__(self, session: Session, conds: list) -> None:
        self.session = session
        self.by_id: dict[int, tuple] = {}
        shared: dict[tuple, tuple] = {}
        stmt = select(Participant.id, Participant.age_band, Participant.region, Participant.municipality,
                      Participant.consent_state).where(*conds)
        for pid, *attrs in _stream(session, stmt):
            t = tuple(attrs)
            self.by_id[pid] = shared.setdefault(t, t)

    def __call__(self, pid: int) -> tuple:
        found = self.by_id.get(pid)
        if found is None:
            row = self.session.execute(select(Participant.age_band, Participant.region, Participant.municipality,
                                              Participant.consent_state).where(Participant.id == pid)).one()
            found = self.by_id[pid] = tuple(row)
        return found


def reflections(session: Session, spec: ExportSpec, pseudo: Pseudonyms) -> Source:
    conds = _span(Reflection.created_at, spec)
    person = _person_place(spec)
    if person:
        conds.append(Reflection.participant_id.in_(select(Participant.id).where(*person)))
    if not spec.include_hidden:
        conds.append(Reflection.hidden.is_(False))
    if spec.language is not None:
        conds.append(Reflection.language == spec.language)
    if spec.area is not None and spec.area != OTHER:
        # A coarse test in SQL (the JSON list as text); the exact one below.
        conds.append(cast(Reflection.areas, String).like(f'%"{spec.area}"%'))
    sqlite = session.get_bind().dialect.name == "sqlite"
    # The order they were stored in (the primary key): a plain scan, no sort of a million rows.
    stmt = (
        select(Reflection.id, Reflection.participant_id, _when(Reflection.created_at, sqlite), Reflection.language,
               type_coerce(Reflection.areas, String) if sqlite else cast(Reflection.areas, String),
               Reflection.prompt_id, Reflection.text, Reflection.text_purged_at.is_not(None),
               Reflection.quotable, Reflection.crisis, Reflection.hidden)
        .where(*conds)
        .order_by(Reflection.id)
    )
    lexicon = load_lexicon()
    area = spec.area
    parsed = _AreaLists()
    when = _utc_parser(sqlite)

    def rows() -> Iterator[tuple]:
        writers = _Writers(session, person)
        # The hot loop of a million-row export: look-ups bound to locals, writers, pseudonyms and area
        # lists from their caches without a call, booleans as the driver gives them.
        known, pseudonym, areas_of, writer_of, writer = pseudo.known, pseudo, parsed.seen, writers.by_id.get, writers
        for rid, pid, created, lang, areas_json, prompt, text, purged, quotable, crisis, hidden in \
                _stream(session, stmt):
            areas = areas_of.get(areas_json, _MISSING)
            if areas is _MISSING:
                areas = parsed(areas_json)
            if areas is None:
                # Stored before themes existed: classify now, as digests do.
                areas = (lexicon.area_ids(text) if text and not purged else []) or [OTHER]
            if area is not None and area not in areas:
                continue
            age, region, municipality, consent = writer_of(pid) or writer(pid)
            yield (rid, known.get(pid) or pseudonym(pid), when(created), lang, areas, prompt,
                   "" if purged else text, purged, quotable, crisis, hidden, age, region, municipality, consent)

    return Source(REFLECTION_COLUMNS, lambda: _count(session, stmt), rows)


# -- participants ----------------------------------------------------------------------------------

PARTICIPANT_COLUMNS = [
    Column("participant", "id"), Column("platform"), Column("joined_at", "datetime"), Column("language"),
    Column("age_band"), Column("municipality"), Column("region"), Column("consent_state"),
    Column("quote_default", "bool"), Column("role"), Column("onboarded", "bool"),
    Column("reflections", "int"), Column("signups", "int"),
]


def participants(session: Session, spec: ExportSpec, pseudo: Pseudonyms) -> Source:
    written = (select(Reflection.participant_id, func.count().label("n"))
               .group_by(Reflection.participant_id).subquery())
    signed = (select(Signup.participant_id, func.count().label("n"))
              .where(Signup.status != WITHDRAWN).group_by(Signup.participant_id).subquery())
    conds = [Participant.consent_state.in_(("given", "withdrawn")), *_span(Participant.created_at, spec),
             *_person_place(spec)]
    if spec.language is not None:
        conds.append(Participant.language == spec.language)
    stmt = (
        select(Participant.id, Participant.platform, Participant.created_at, Participant.language,
               Participant.age_band, Participant.municipality, Participant.region, Participant.consent_state,
               Participant.quote_default, Participant.role, Participant.onboarded,
               func.coalesce(written.c.n, 0), func.coalesce(signed.c.n, 0))
        .outerjoin(written, written.c.participant_id == Participant.id)
        .outerjoin(signed, signed.c.participant_id == Participant.id)
        .where(*conds)
        .order_by(Participant.created_at, Participant.id)
    )

    def rows() -> Iterator[tuple]:
        for pid, *rest in _stream(session, stmt):
            yield (pseudo(pid), *rest)

    return Source(PARTICIPANT_COLUMNS, lambda: _count(session, stmt), rows)


# -- events and sign-ups ---------------------------------------------------------------------------

EVENT_COLUMNS = [
    Column("event_id", "int"), Column("organisation"), Column("municipality"), Column("region"),
    Column("title"), Column("starts_at", "datetime"), Column("duration_minutes", "int"), Column("place"),
    Column("online", "bool"), Column("capacity", "int"), Column("language"), Column("audience"),
    Column("status"), Column("confirmed", "int"), Column("seats_taken", "int"), Column("waiting", "int"),
    Column("withdrawn", "int"), Column("created_by", "id"), Column("created_at", "datetime"),
]


def _event_language(spec: ExportSpec) -> list:
    return [] if spec.language is None else [func.lower(Event.language) == spec.language]


def events(session: Session, spec: ExportSpec, pseudo: Pseudonyms) -> Source:
    counts = (
        select(Signup.event_id,
               func.sum(case((Signup.status == CONFIRMED, 1), else_=0)).label("confirmed"),
               func.sum(case((Signup.status == CONFIRMED, 1 + Signup.guests), else_=0)).label("seats"),
               func.sum(case((Signup.status == WAITING, 1), else_=0)).label("waiting"),
               func.sum(case((Signup.status == WITHDRAWN, 1), else_=0)).label("withdrawn"))
        .group_by(Signup.event_id).subquery()
    )
    conds = [*_span(Event.starts_at, spec), *_event_place(spec), *_event_language(spec)]
    stmt = (
        select(Event.id, Organisation.name, Event.municipality, Event.title, Event.starts_at,
               Event.duration_minutes, Event.place, Event.online, Event.capacity, Event.language, Event.audience,
               Event.status, func.coalesce(counts.c.confirmed, 0), func.coalesce(counts.c.seats, 0),
               func.coalesce(counts.c.waiting, 0), func.coalesce(counts.c.withdrawn, 0), Event.created_by,
               Event.created_at)
        .join(Organisation, Organisation.id == Event.organisation_id)
        .outerjoin(counts, counts.c.event_id == Event.id)
        .where(*conds)
        .order_by(Event.starts_at, Event.id)
    )
    region_of = _region_of()

    def rows() -> Iterator[tuple]:
        for (eid, org, municipality, title, starts, minutes, place, online, capacity, lang, audience, status,
             confirmed, seats, waiting, withdrawn, created_by, created) in _stream(session, stmt):
            yield (eid, org, municipality, region_of.get(municipality, UNKNOWN), title, starts, minutes, place,
                   online, capacity, lang, audience, status, int(confirmed), int(seats), int(waiting),
                   int(withdrawn), pseudo(created_by), created)

    return Source(EVENT_COLUMNS, lambda: _count(session, stmt), rows)


SIGNUP_COLUMNS = [
    Column("signup_id", "int"), Column("event_id", "int"), Column("event_title"),
    Column("event_starts_at", "datetime"), Column("municipality"), Column("region"), Column("participant", "id"),
    Column("age_band"), Column("status"), Column("guests", "int"), Column("created_at", "datetime"),
    Column("updated_at", "datetime"),
]


def signups(session: Session, spec: ExportSpec, pseudo: Pseudonyms) -> Source:
    conds = [*_span(Signup.created_at, spec), *_event_place(spec), *_event_language(spec)]
    stmt = (
        select(Signup.id, Event.id, Event.title, Event.starts_at, Event.municipality, Signup.participant_id,
               Participant.age_band, Signup.status, Signup.guests, Signup.created_at, Signup.updated_at)
        .join(Event, Event.id == Signup.event_id)
        .join(Participant, Participant.id == Signup.participant_id)
        .where(*conds)
        .order_by(Signup.created_at, Signup.id)
    )
    region_of = _region_of()

    def rows() -> Iterator[tuple]:
        for sid, eid, title, starts, municipality, pid, age, status, guests, created, updated in _stream(session, stmt):
            yield (sid, eid, title, starts, municipality, region_of.get(municipality, UNKNOWN), pseudo(pid), age,
                   status, guests, created, updated)

    return Source(SIGNUP_COLUMNS, lambda: _count(session, stmt), rows)


def build(session: Session, spec: ExportSpec, pseudo: Pseudonyms) -> Source:
    if spec.kind == "digests":
        return digests(session, spec)
    return {"reflections": reflections, "participants": participants, "events": events,
            "signups": signups}[spec.kind](session, spec, pseudo)
