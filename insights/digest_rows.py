"""The reflections of a period as a digest reads them: one plain row each, quick over a million."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from content.municipalities import regions
from content.people import AGE_BANDS
from engines.themes import load_lexicon
from storage.models import Participant, Reflection

UNKNOWN = "ukendt"  # a region, age band or language not given, or not one we know


@dataclass(slots=True)
class ReflectionRow:
    id: int
    pid: int
    language: str
    areas: tuple[str, ...]
    quotable: bool
    crisis: bool
    text: str
    region: str
    age_band: str
    consent_state: str
    key: int = 0  # the writer's record key (insights.disclosure)


class _Memo(dict):
    """value -> f(value), worked out once per distinct value (a handful of regions, bands, languages)."""

    def __init__(self, f) -> None:  # noqa: ANN001
        super().__init__()
        self.f = f

    def __missing__(self, key):  # noqa: ANN001, ANN204
        value = self[key] = self.f(key)
        return value


def _parse_areas(raw) -> tuple[str, ...]:  # noqa: ANN001
    value = json.loads(raw) if isinstance(raw, str) else raw
    return tuple(value) if value else ()


# A period holding more than this share of all reflections is read by scanning the table, not the
# created_at index: a year through the index costs a random look-up per row (2026 over 1M rows on
# SQLite: 8.5 s CPU joined through the index, 3.0 s scanned), a week through it is cheap.
_SCAN_SHARE = 0.1


def _is_large(session: Session, start: datetime, end: datetime) -> bool:
    """Does [start, end) hold a large share of all reflections? Costs in proportion to the period's
    rows, not the table's: the period is counted on its index, the table only up to 1/_SCAN_SHARE
    times that (an exact count(*) of a million rows is 50 ms on PostgreSQL, per digest, twice)."""
    within = session.scalar(select(func.count()).select_from(Reflection).where(
        Reflection.created_at >= start, Reflection.created_at < end)) or 0
    if within < 1_000:
        return False  # either way is quick
    cap = int(within / _SCAN_SHARE)
    seen = session.scalar(select(func.count()).select_from(select(Reflection.id).limit(cap).subquery())) or 0
    return seen < cap


def load_rows(session: Session, start: datetime, end: datetime) -> list[ReflectionRow]:
    """Every visible reflection written in [start, end), with what the digest needs of its writer.

    A year is a million rows: they are read through Core, not the ORM; the stored JSON of the areas
    is parsed once per distinct value (a few dozen), not once per row; and a period that holds much
    of the table is read by a scan, with its writers from one query instead of a join per row.
    """
    lexicon = load_lexicon()
    columns = (Reflection.id, Reflection.participant_id, Reflection.language, type_coerce(Reflection.areas, Text),
               Reflection.quotable, Reflection.crisis, Reflection.text)
    writer_columns = (Participant.region, Participant.age_band, Participant.consent_state, Participant.record_key)
    conn = session.connection()
    if _is_large(session, start, end):
        created = Reflection.created_at
        if conn.dialect.name == "sqlite":
            # Unary + keeps SQLite's planner off the created_at index: it would visit every row by
            # a random look-up; PostgreSQL's planner chooses a sequential scan itself.
            created = type_coerce(literal_column(f"+{Reflection.__tablename__}.created_at"),
                                  Reflection.created_at.type)
        writers = {pid: rest for pid, *rest in conn.execute(select(Participant.id, *writer_columns))}
        found = (
            (*row, *who) for row in conn.execute(
                select(*columns).where(created >= start, created < end, Reflection.hidden.is_(False)))
            # Like the join: a row without its writer is not counted (the foreign key forbids it).
            if (who := writers.get(row[1])) is not None
        )
    else:
        found = conn.execute(
            select(*columns, *writer_columns)
            .join(Participant, Participant.id == Reflection.participant_id)
            .where(Reflection.created_at >= start, Reflection.created_at < end, Reflection.hidden.is_(False)))
    known_regions = set(regions())
    areas_of = _Memo(_parse_areas)
    language_of = _Memo(lambda lang: (lang or UNKNOWN).lower())
    region_of = _Memo(lambda region: region if region in known_regions else UNKNOWN)
    age_of = _Memo(lambda age: age if age in AGE_BANDS and age != "u15" else UNKNOWN)
    rows = []
    append = rows.append
    for rid, pid, lang, raw_areas, quotable, crisis, text, region, age, consent, key in found:
        # SQLite hands back the JSON text; a driver that parses JSON itself (psycopg) a list.
        areas = areas_of[raw_areas] if raw_areas is None or isinstance(raw_areas, str) else _parse_areas(raw_areas)
        if not areas:
            # Stored before themes existed: classify now (`samtale themes reclassify` stores it).
            areas = tuple(lexicon.area_ids(text or ""))
        append(ReflectionRow(rid, pid, language_of[lang], areas, bool(quotable), bool(crisis), text or "",
                    region_of[region], age_of[age], consent or "", key or 0))
    return rows
