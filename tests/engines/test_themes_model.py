"""Themes, second stage: the lexicon's areas ranked by the model, stated ages, target groups, one-line reasons."""
from __future__ import annotations

import pytest

from engines.themes import area_ids, classify
from engines.themes_model import NO_GROUP, decide, stated_group


@pytest.mark.parametrize("text, group", [
    ("Jeg er 81 og bor alene", "aeldre"),
    ("min søn på 8 har ingen venner i klassen", "born"),
    ("I'm 17 and I have no friends", "unge"),
    ("jeg er 45 og single", "voksne"),
    ("Vi er 3 i opgangen der hilser", None),  # a number that is no age
    ("Jeg savner nogen", None),
])
def test_a_stated_age_names_the_group(text, group):
    assert stated_group(text) == group


def test_lexicon_areas_come_ranked_and_explained():
    text = "Jeg bor alene i en lejlighed og har mistet mit job og mine kolleger"
    d = decide(text, classify(text))
    assert set(d.areas) == {"hjem", "arbejde"}
    assert d.explanation.startswith(f"{d.areas[0]} (lexicon: ")
    assert area_ids(text) == list(d.areas)  # what is stored is the decision


def test_nothing_matched_and_nothing_sure_is_andet_with_no_group():
    text = "tak fordi I spørger"
    d = decide(text, classify(text))
    assert d.areas == ("andet",) and d.group == NO_GROUP
    assert "group" not in d.explanation


def test_group_and_its_reason_in_the_line():
    text = "Jeg er 84 og bruger rollator, så jeg kommer ikke ud"
    d = decide(text, classify(text))
    assert d.group == "aeldre" and "group aeldre (stated age)" in d.explanation
