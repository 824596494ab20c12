"""Digests: numbers against a hand-computed fixture, suppression that survives subtraction, terms, quotes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from insights.anonymity import Line, determined_cells, suppress
from insights.digest import build_digest, content_key
from insights.disclosure import MAX_NOISE
from insights.periods import last_complete_week, parse_period
from insights.render import render_markdown
from storage.models import Participant, Reflection

W47 = datetime(2026, 11, 17, 10, tzinfo=timezone.utc)  # a Tuesday in ISO week 2026-W47


def add(session, n, tag, *, region, age, lang, areas, text, when, quotable=True, crisis=False, hidden=False,
        consent="given"):
    for i in range(n):
        p = Participant(platform="console", external_id=f"{tag}{i}", created_at=when, region=region, age_band=age,
                        consent_state=consent, onboarded=True, quote_default=quotable, language=lang)
        p.reflections.append(Reflection(text=f"{text} ({tag}{i})", language=lang, created_at=when,
                                        quotable=quotable, crisis=crisis, hidden=hidden, areas=areas))
        session.add(p)


def fixture(session):
    # Week 47: 6 + 5 + 2 people. Week 46: 5 + 5 others.
    add(session, 6, "a", region="Region Hovedstaden", age="30-49", lang="da", areas=["hjem"],
        text="Jeg bor alene i en lejlighed og kender ingen naboer", when=W47)
    add(session, 5, "b", region="Region Midtjylland", age="65-79", lang="da", areas=["sundhed"],
        text="Hjemmeplejen er de eneste jeg ser hele ugen", when=W47)
    add(session, 2, "c", region="Region Nordjylland", age="18-29", lang="en", areas=["uddannelse"],
        text="Nobody at school talks to me at all", when=W47)
    add(session, 5, "p", region="Region Hovedstaden", age="30-49", lang="da", areas=["hjem"],
        text="Huset er stille om aftenen nu", when=W47 - timedelta(days=7))
    add(session, 5, "q", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
        text="Koret redder min uge hver gang", when=W47 - timedelta(days=7))
    session.commit()


def near(published, truth):
    """A count perturbed by the cell-key method: within MAX_NOISE of the truth, never below k."""
    return published is not None and abs(published - truth) <= MAX_NOISE and published >= 5


def by(items, key, value):
    return next(i for i in items if i[key] == value)


def test_periods():
    p = parse_period("2026-W48")
    assert (p.first_day.isoformat(), p.next_first_day.isoformat()) == ("2026-11-23", "2026-11-30")
    assert p.start == datetime(2026, 11, 22, 23, tzinfo=timezone.utc)  # midnight in Copenhagen
    assert p.previous().id == "2026-W47"
    assert parse_period("2026-Q1").previous().id == "2025-Q4"
    assert parse_period("2026-03").previous().id == "2026-02"
    assert parse_period("2026").next_first_day.year == 2027
    assert last_complete_week(W47).id == "2026-W46"
    with pytest.raises(ValueError, match="2026-W48"):
        parse_period("week 48")
    with pytest.raises(ValueError):
        parse_period("2026-W60")


def test_digest_numbers_match_the_hand_computed_fixture(app):
    with app.sessions() as s:
        fixture(s)
        d = build_digest(s, parse_period("2026-W47"), now=W47)
    t = d["totals"]
    assert near(t["reflections"], 13) and near(t["participants"], 13) and near(t["new_participants"], 13)
    assert set(t["perturbed"]) == {"reflections", "participants", "new_participants"}
    assert d["disclosure"]["method"] == "cell-key"
    # No event in the fixture: 0 held, and the sign-up count (0 people < 5) is suppressed, not published.
    assert t["events"] == 0 and t["signups"] is None and t["unavailable"] == []
    hjem = by(d["areas"], "area", "hjem")
    # 6 of 13 reflections; last week 5 of 10 (fritid hidden there as hjem's complement… or the reverse,
    # whichever is smaller by the tie-break: hjem was kept, so its change is shown).
    assert near(hjem["reflections"], 6) and near(hjem["participants"], 6) and hjem["perturbed"] is True
    assert hjem["share"] == round(min(1, hjem["reflections"] / t["reflections"]), 4)
    assert near(hjem["previous"]["reflections"], 5)
    assert hjem["change"]["reflections"] == hjem["reflections"] - hjem["previous"]["reflections"]
    # uddannelse has 2 people: hidden. sundhed (5) is hidden as its complement: otherwise
    # 13 − 6 − 5 would give the 2 away.
    assert by(d["areas"], "area", "uddannelse") == {"area": "uddannelse", "name": "dagtilbud, skole og uddannelse",
                                                    "suppressed": True}
    assert by(d["areas"], "area", "sundhed")["suppressed"]
    regions = d["breakdowns"]["region"]["categories"]
    assert near(by(regions, "key", "Region Hovedstaden")["reflections"], 6)
    assert by(regions, "key", "Region Nordjylland")["suppressed"]
    assert by(regions, "key", "Region Midtjylland")["suppressed"]  # the complement of Nordjylland
    # English has only 2 writers: pooled as "andre" before suppression, and hidden.
    assert [c["key"] for c in d["breakdowns"]["language"]["categories"]] == ["da", "andre"]
    assert d["digest_key"] == content_key(d)


def _lines_from_digest(d):
    """What an attacker can write down from the published digest: value or None per cell, and sums."""
    total = d["totals"]["reflections"]
    lines = [(total, [a.get("reflections") for a in d["areas"]])]
    for dim in d["breakdowns"].values():
        lines.append((total, [c.get("reflections") for c in dim["categories"]]))
        for a in d["areas"]:
            lines.append((a.get("reflections"), [c.get("reflections") for c in dim["by_area"][a["area"]]]))
        for i, cat in enumerate(dim["categories"]):
            lines.append((cat.get("reflections"), [dim["by_area"][a["area"]][i].get("reflections") for a in d["areas"]]))
    return lines


def test_a_suppressed_cell_cannot_be_recovered_by_subtraction(app):
    with app.sessions() as s:
        fixture(s)
        d = build_digest(s, parse_period("2026-W47"), now=W47)
    recovered = []
    for margin, members in _lines_from_digest(d):
        hidden = [m for m in members if m is None]
        if margin is not None and len(hidden) == 1:
            recovered.append(margin - sum(m for m in members if m is not None))
    assert recovered == []
    # The classic attack on this data: total − shown areas. It gives about 7, the sum of two hidden
    # areas (5 + 2) plus noise — not the 2 people in "uddannelse".
    shown = sum(a["reflections"] for a in d["areas"] if not a["suppressed"])
    assert abs(d["totals"]["reflections"] - shown - 7) <= 2 * MAX_NOISE


def test_suppress_protects_a_two_way_table():
    people = {}
    n = iter(range(10_000))

    def cell(key, size):
        people[key] = frozenset(next(n) for _ in range(size))
        return people[key]

    # rows r1, r2; columns c1, c2, c3; r1c1 = 2 is small.
    sizes = {("r1", "c1"): 2, ("r1", "c2"): 9, ("r1", "c3"): 8, ("r2", "c1"): 7, ("r2", "c2"): 6, ("r2", "c3"): 12}
    for key, size in sizes.items():
        cell(key, size)
    for r in ("r1", "r2"):
        people[r] = frozenset().union(*(people[(r, c)] for c in ("c1", "c2", "c3")))
    for c in ("c1", "c2", "c3"):
        people[c] = frozenset().union(*(people[(r, c)] for r in ("r1", "r2")))
    people["T"] = frozenset().union(*(people[r] for r in ("r1", "r2")))
    lines = [Line(r, tuple((r, c) for c in ("c1", "c2", "c3"))) for r in ("r1", "r2")]
    lines += [Line(c, tuple((r, c) for r in ("r1", "r2"))) for c in ("c1", "c2", "c3")]
    lines += [Line("T", ("r1", "r2")), Line("T", ("c1", "c2", "c3"))]
    hidden = suppress(people, lines, 5)
    assert ("r1", "c1") in hidden and len(hidden) >= 4  # a rectangle at least
    assert determined_cells(hidden, lines) == set()
    for line in lines:
        in_line = [c for c in (line.margin, *line.members) if c in hidden]
        assert len(in_line) != 1


def test_nothing_is_shown_for_fewer_than_k_people(app):
    with app.sessions() as s:
        add(s, 4, "x", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Jeg går til kor og det hjælper mig meget", when=W47)
        s.commit()
        d = build_digest(s, parse_period("2026-W47"), now=W47)
    assert d["totals"]["reflections"] is None and d["totals"]["participants"] is None
    assert all(a["suppressed"] for a in d["areas"])
    assert d["quotes"] == [] and d["emerging_terms"] == []
    assert "for få deltagere" in render_markdown(d)


def test_quotes_only_consented_not_crisis_not_hidden_with_provenance(app):
    with app.sessions() as s:
        add(s, 5, "ok", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Koret er det bedste i min uge, vi synger og griner", when=W47)
        add(s, 5, "no", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Jeg vil ikke citeres om min klub", when=W47, quotable=False)
        add(s, 5, "cr", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Krise i min forening, jeg kan ikke mere", when=W47, crisis=True)
        add(s, 5, "hi", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Skjult besked om klubben fra en moderator", when=W47, hidden=True)
        add(s, 5, "wd", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Trukket samtykke tilbage, men teksten er her", when=W47, consent="withdrawn")
        add(s, 5, "nm", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Min veninde Mette tager mig med i klubben", when=W47)
        s.commit()
        d = build_digest(s, parse_period("2026-W47"), now=W47)
        texts = {r.id: r.text for r in s.query(Reflection)}
    assert near(d["totals"]["reflections"], 25)  # the hidden ones are not counted either
    assert 1 <= len(d["quotes"]) <= 2
    for q in d["quotes"]:
        assert "Koret er det bedste" in q["text"] and texts[q["reflection_id"]] == q["text"]


def test_emerging_terms_skip_names_placeholders_and_stop_words(app):
    with app.sessions() as s:
        add(s, 6, "t", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Strikkecaféen med Mette på biblioteket ring [telefon] eller skriv til [email]", when=W47)
        add(s, 6, "u", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Jeg snakkede med Bodil Kjærsgaard om strikkecaféen", when=W47)
        s.commit()
        d = build_digest(s, parse_period("2026-W47"), now=W47)
    terms = [t["term"] for t in d["emerging_terms"]]
    assert "strikkecaféen" in terms
    banned = {"mette", "bodil", "kjærsgaard", "telefon", "email", "med", "jeg", "til"}
    assert not any(set(t.split()) & banned for t in terms), terms
    assert all(t["participants"] >= 5 for t in d["emerging_terms"])


def test_markdown_is_danish_and_escapes_what_people_wrote(app):
    with app.sessions() as s:
        add(s, 5, "md", region="Region Sjælland", age="50-64", lang="da", areas=["fritid"],
            text="Vi mødes i *klubben* <b>hver</b> [tirsdag](x) og det er godt", when=W47)
        s.commit()
        d = build_digest(s, parse_period("2026-W47"), now=W47)
    md = render_markdown(d)
    assert md.startswith("# Samtale – overblik for 2026-W47")
    assert "Temaer" in md and "fritid og fællesskaber" in md
    assert "<b>" not in md and "\\<b\\>" in md and "\\*klubben\\*" in md
    assert render_markdown(d, "en").startswith("# Samtale – digest for 2026-W47")


def _check(schema: dict, value, root: dict, path: str = "$") -> None:
    """A small validator for the parts of JSON Schema docs/digest-schema.json uses."""
    if "$ref" in schema:
        schema = root["$defs"][schema["$ref"].split("/")[-1]]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        py = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
              "boolean": bool, "null": type(None)}
        assert any(isinstance(value, py[k]) and not (k in ("integer", "number") and isinstance(value, bool))
                   for k in kinds), f"{path}: {value!r} is not {kinds}"
    if "const" in schema:
        assert value == schema["const"], path
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r}"
    if "minimum" in schema and isinstance(value, (int, float)):
        assert value >= schema["minimum"], f"{path}: {value} < {schema['minimum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key}"
        for key, sub in value.items():
            if key in schema.get("properties", {}):
                _check(schema["properties"][key], sub, root, f"{path}.{key}")
            elif "additionalProperties" in schema:
                _check(schema["additionalProperties"], sub, root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(schema["items"], item, root, f"{path}[{i}]")


def test_digest_follows_the_documented_schema(sqlite_app):
    import json
    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "digest-schema.json").read_text())
    with sqlite_app.sessions() as s:
        fixture(s)
        d = build_digest(s, parse_period("2026-W47"), now=W47)
        empty = build_digest(s, parse_period("2025"), now=W47)
    _check(schema, json.loads(json.dumps(d)), schema)
    _check(schema, json.loads(json.dumps(empty)), schema)
