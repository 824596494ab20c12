"""Themes: the labelled set as a measurement that must not regress; lexicon rules; storage."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engines.themes import (AREA_IDS, OTHER, LexiconError, area_ids, classify, evaluate, load_labelled,
                             parse_lexicon)
from storage.models import Reflection

DATA = Path(__file__).resolve().parents[1] / "data" / "themes_labelled.tsv"
BAR = 0.85


def test_labelled_set_is_big_enough_and_covers_every_area():
    rows = load_labelled(DATA)
    assert len(rows) >= 100
    seen = set().union(*(r[0] for r in rows))
    assert seen == {*AREA_IDS, OTHER}


def test_accuracy_and_per_area_precision_recall():
    ev = evaluate(load_labelled(DATA))
    assert ev.accuracy >= BAR, ev.mistakes
    for area, m in ev.per_area.items():
        assert m["precision"] >= 0.8 and m["recall"] >= 0.8, (area, m)


def test_each_split_holds_the_bar():
    rows = load_labelled(DATA)
    for split in ("dev", "holdout", "blind"):
        assert evaluate([r for r in rows if r[1] == split]).accuracy >= BAR, split


def test_classification_explains_itself():
    c = classify("Jeg bor alene i en lejlighed, og på arbejdet snakker ingen med mig")
    assert c.areas == ("hjem", "arbejde")
    assert c.matched_words("hjem") == ["bor alene", "lejlighed"]
    assert ("arbejdet", "arbejd*") in c.matches["arbejde"]
    assert c.as_dict()["entries"]["hjem"] == ["bor alene", "lejlighed*"]


def test_compounds_and_phrases():
    assert classify("Efterskolerne burde gøre mere").areas == ("uddannelse",)
    # The phrase uses up "arbejde": volunteering is leisure, not working life.
    assert classify("Frivilligt arbejde gav mig venner").areas == ("fritid",)
    assert classify("Min boligforening holder fest").areas == ("hjem",)  # excluded from leisure


def test_other_and_groups():
    c = classify("Jeg føler mig alene")
    assert c.areas == (OTHER,) and c.matches == {}
    assert "aeldre" in classify("Vi er mange pensionister på plejehjemmet").groups
    assert "born" in classify("Mit barn har ingen at lege med").groups


def test_placeholders_never_match():
    assert area_ids("[telefon] [email] [link] [cpr] [handle]") == [OTHER]


def test_bad_lexicon_names_the_entry():
    good = Path(__file__).resolve().parents[2].joinpath("content", "themes.toml").read_text()
    with pytest.raises(LexiconError, match=r"areas.hjem.*'bo\?lig'"):
        parse_lexicon(good.replace('"bolig*"', '"bo?lig"'), "x.toml")
    with pytest.raises(LexiconError, match="too short"):
        parse_lexicon(good.replace('"bolig*"', '"bo*"'), "x.toml")
    with pytest.raises(LexiconError, match="missing"):
        parse_lexicon('version = "1"\n[areas.hjem]\nda = ["hus"]\n', "x.toml")
    with pytest.raises(LexiconError, match="unknown key"):
        parse_lexicon(good.replace("name_da = \"hjem og bolig\"", "navn = \"x\""), "x.toml")


async def test_stored_reflection_gets_its_areas(app, person):
    anna = person()
    await anna.onboard()
    await anna.say("Jeg har ingen kolleger at spise frokost med på arbejdspladsen")
    await anna.say("Jeg føler mig alene")
    with app.sessions() as s:
        stored = [r.areas for r in s.scalars(select(Reflection).order_by(Reflection.id))]
    assert stored == [["arbejde"], [OTHER]]
