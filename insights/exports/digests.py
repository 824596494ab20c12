"""`samtale export digests`: the published digests of a span of periods, flattened to rows.

One digest per week (month, quarter, year) that contains a day of the span, built by
insights.digest exactly as the knowledge base gets it: the same k, the same complementary
suppression, the same quotes. A suppressed cell is a row with `suppressed` = 1 and no numbers.

The filters (--area, --region, --language) choose rows of the published digests; they never
change what goes into a digest. Suppressing a filtered subset anew would publish a second, slightly
different table of the same people, and two such tables can be subtracted from each other.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy.orm import Session

from insights.exports.source import Source
from insights.exports.spec import ExportSpec
from insights.exports.writers import Column
from insights.digest import DIMENSIONS, build_digest
from insights.periods import Period, period_containing

DIGEST_COLUMNS = [
    Column("period"), Column("period_kind"), Column("first_day", "date"), Column("last_day", "date"),
    Column("table"), Column("area"), Column("category"), Column("reflections", "int"),
    Column("participants", "int"), Column("share", "float"), Column("suppressed", "bool"),
    Column("text"), Column("reflection_id", "int"), Column("digest_key"),
]


def periods_between(kind: str, first: date, last: date) -> list[Period]:
    out = []
    p = period_containing(kind, first)
    while p.first_day <= last:
        out.append(p)
        p = period_containing(kind, p.next_first_day)
    return out


def digest_rows(d: dict) -> Iterator[tuple]:
    """(table, area, category, reflections, participants, share, suppressed, text, reflection_id)."""
    t = d["totals"]
    yield ("total", None, None, t["reflections"], t["participants"], None, t["reflections"] is None, None, None)
    for a in d["areas"]:
        yield ("area", a["area"], None, a.get("reflections"), a.get("participants"), a.get("share"),
               a["suppressed"], None, None)
    for dim in DIMENSIONS:
        data = d["breakdowns"][dim]
        for c in data["categories"]:
            yield (dim, None, c["key"], c.get("reflections"), c.get("participants"), None, c["suppressed"],
                   None, None)
        for area, cells in data["by_area"].items():
            for c in cells:
                yield (dim, area, c["key"], c.get("reflections"), c.get("participants"), None, c["suppressed"],
                       None, None)
    for term in d["emerging_terms"]:
        yield ("term", None, term["term"], None, term["participants"], None, False, None, None)
    for q in d["quotes"]:
        yield ("quote", q["area"], q["language"], None, None, None, False, q["text"], q["reflection_id"])


def _wanted(spec: ExportSpec, table: str, area: str | None, category: str | None) -> bool:
    if spec.area is not None and area != spec.area:
        return False
    if spec.region is not None and not (table == "region" and category == spec.region):
        return False
    if spec.language is not None and not (table in ("language", "quote") and category == spec.language):
        return False
    return True


def digests(session: Session, spec: ExportSpec) -> Source:
    assert spec.first_day is not None and spec.last_day is not None
    chosen = periods_between(spec.every, spec.first_day, spec.last_day)
    options = {k: v for k, v in spec.extra.items() if k in ("k", "quotes_per_area", "terms")}

    def rows() -> Iterator[tuple]:
        for period in chosen:
            d = build_digest(session, period, **options)
            info = d["period"]
            head = (info["id"], info["kind"], date.fromisoformat(info["first_day"]),
                    date.fromisoformat(info["last_day"]))
            for table, area, category, refl, people, share, suppressed, text, rid in digest_rows(d):
                if _wanted(spec, table, area, category):
                    yield (*head, table, area, category, refl, people, share, suppressed, text, rid,
                           d["digest_key"])

    return Source(DIGEST_COLUMNS, lambda: None, rows)
