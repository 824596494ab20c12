"""Tests for the municipality table and the forgiving matcher."""

from __future__ import annotations

import dataclasses
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.municipalities import (
    Municipality,
    load_municipalities,
    match_municipality,
    regions,
    suggest_municipalities,
)

# An independent copy of the official table (Danmarks Statistik kommunekoder),
# so a slip in the data file has to be made twice to go unnoticed.
EXPECTED: dict[str, dict[int, str]] = {
    "Region Hovedstaden": {
        101: "København", 147: "Frederiksberg", 151: "Ballerup", 153: "Brøndby",
        155: "Dragør", 157: "Gentofte", 159: "Gladsaxe", 161: "Glostrup",
        163: "Herlev", 165: "Albertslund", 167: "Hvidovre", 169: "Høje-Taastrup",
        173: "Lyngby-Taarbæk", 175: "Rødovre", 183: "Ishøj", 185: "Tårnby",
        187: "Vallensbæk", 190: "Furesø", 201: "Allerød", 210: "Fredensborg",
        217: "Helsingør", 219: "Hillerød", 223: "Hørsholm", 230: "Rudersdal",
        240: "Egedal", 250: "Frederikssund", 260: "Halsnæs", 270: "Gribskov",
        400: "Bornholm",
    },
    "Region Sjælland": {
        253: "Greve", 259: "Køge", 265: "Roskilde", 269: "Solrød", 306: "Odsherred",
        316: "Holbæk", 320: "Faxe", 326: "Kalundborg", 329: "Ringsted", 330: "Slagelse",
        336: "Stevns", 340: "Sorø", 350: "Lejre", 360: "Lolland", 370: "Næstved",
        376: "Guldborgsund", 390: "Vordingborg",
    },
    "Region Syddanmark": {
        410: "Middelfart", 420: "Assens", 430: "Faaborg-Midtfyn", 440: "Kerteminde",
        450: "Nyborg", 461: "Odense", 479: "Svendborg", 480: "Nordfyns",
        482: "Langeland", 492: "Ærø", 510: "Haderslev", 530: "Billund",
        540: "Sønderborg", 550: "Tønder", 561: "Esbjerg", 563: "Fanø", 573: "Varde",
        575: "Vejen", 580: "Aabenraa", 607: "Fredericia", 621: "Kolding", 630: "Vejle",
    },
    "Region Midtjylland": {
        615: "Horsens", 657: "Herning", 661: "Holstebro", 665: "Lemvig", 671: "Struer",
        706: "Syddjurs", 707: "Norddjurs", 710: "Favrskov", 727: "Odder",
        730: "Randers", 740: "Silkeborg", 741: "Samsø", 746: "Skanderborg",
        751: "Aarhus", 756: "Ikast-Brande", 760: "Ringkøbing-Skjern",
        766: "Hedensted", 779: "Skive", 791: "Viborg",
    },
    "Region Nordjylland": {
        773: "Morsø", 787: "Thisted", 810: "Brønderslev", 813: "Frederikshavn",
        820: "Vesthimmerlands", 825: "Læsø", 840: "Rebild", 846: "Mariagerfjord",
        849: "Jammerbugt", 851: "Aalborg", 860: "Hjørring",
    },
}

ALL = load_municipalities()
BY_NAME = {m.name: m for m in ALL}
SPELLINGS = [(spelling, m.name) for m in ALL for spelling in (m.name, *m.aliases)]


def named(text: str) -> str | None:
    found = match_municipality(text)
    return None if found is None else found.name


# ── the data ───────────────────────────────────────────────────────────────


def test_counts_per_region() -> None:
    counts = {region: sum(m.region == region for m in ALL) for region in regions()}
    assert counts == {
        "Region Hovedstaden": 29,
        "Region Sjælland": 17,
        "Region Syddanmark": 22,
        "Region Midtjylland": 19,
        "Region Nordjylland": 11,
    }
    assert len(ALL) == 98


def test_table_matches_official_codes_names_and_regions() -> None:
    actual = {m.code: (m.name, m.region) for m in ALL}
    expected = {code: (name, region) for region, table in EXPECTED.items() for code, name in table.items()}
    assert actual == expected


def test_names_and_codes_unique() -> None:
    assert len({m.name for m in ALL}) == 98
    assert len({m.code for m in ALL}) == 98


def test_regions_are_the_five() -> None:
    assert regions() == (
        "Region Hovedstaden",
        "Region Sjælland",
        "Region Syddanmark",
        "Region Midtjylland",
        "Region Nordjylland",
    )
    assert {m.region for m in ALL} == set(regions())


def test_christiansoe_is_not_a_municipality() -> None:
    assert not any("christians" in s.casefold() for s, _ in SPELLINGS)
    assert match_municipality("Christiansø") is None


def test_brief_examples_present() -> None:
    assert BY_NAME["København"].code == 101
    assert BY_NAME["Frederiksberg"].code == 147
    assert BY_NAME["Aarhus"].code == 751
    assert BY_NAME["Odense"].code == 461
    assert BY_NAME["Aalborg"].code == 851
    assert "Århus" in BY_NAME["Aarhus"].aliases
    assert "Copenhagen" in BY_NAME["København"].aliases
    assert "Elsinore" in BY_NAME["Helsingør"].aliases
    assert "Ålborg" in BY_NAME["Aalborg"].aliases


def test_municipality_is_frozen_and_hashable() -> None:
    m = BY_NAME["Aarhus"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "Odense"  # type: ignore[misc]
    assert isinstance(m.aliases, tuple)
    assert {m, m} == {m}


def test_load_is_cached() -> None:
    assert load_municipalities() is load_municipalities()


# ── the loader refuses bad data ─────────────────────────────────────────────


def _packaged_text() -> str:
    return resources.files("content").joinpath("municipalities.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('name = "Horsens"\ncode = 615\nregion = "Region Midtjylland"',
         'name = "Horsens"\ncode = 615\nregion = "Region Midt"', "Horsens"),
        ("code = 147", "code = 101", "Frederiksberg"),
        ('name = "Frederiksberg"', 'name = "København"', "København"),
        ("code = 147", 'code = "147"', "Frederiksberg"),
        ("code = 147", "code = 1470", "Frederiksberg"),
        ('name = "Odense"\ncode = 461\nregion = "Region Syddanmark"\naliases = []',
         'name = "Odense"\ncode = 461\nregion = "Region Syddanmark"\naliases = ["Århus"]', "Odense"),
        ('name = "Odense"\ncode = 461\nregion = "Region Syddanmark"\naliases = []',
         'name = "Odense"\ncode = 461\nregion = "Region Syddanmark"\naliases = ["Kommune"]', "Odense"),
        ('name = "Odense"\ncode = 461', 'name = "Odense"\nkode = 461', "Odense"),
        # Moving one municipality to the wrong region must not slip through.
        ('name = "Horsens"\ncode = 615\nregion = "Region Midtjylland"',
         'name = "Horsens"\ncode = 615\nregion = "Region Syddanmark"', "Region Syddanmark"),
        ("[[municipality]]\nname = \"Hjørring\"", "[[ignored]]\nname = \"Hjørring\"", "98"),
        ("aliases = []", "aliases = [", "TOML"),
    ],
)
def test_loader_rejects_bad_entries(tmp_path, old: str, new: str, message: str) -> None:
    text = _packaged_text()
    assert old in text, old
    bad = tmp_path / "municipalities.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_municipalities(bad)


def test_loader_accepts_explicit_path(tmp_path) -> None:
    good = tmp_path / "municipalities.toml"
    good.write_text(_packaged_text(), encoding="utf-8")
    assert load_municipalities(str(good)) == ALL


# ── matching ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("spelling", "name"), SPELLINGS)
def test_every_name_and_alias_matches_itself(spelling: str, name: str) -> None:
    assert named(spelling) == name
    assert named(spelling.upper()) == name
    assert named(spelling.lower()) == name
    assert named(f"  {spelling} Kommune. ") == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Århus", "Aarhus"),
        ("aarhus", "Aarhus"),
        ("Aarhus Kommune", "Aarhus"),
        ("AARHUS", "Aarhus"),
        ("aarhus kommune!", "Aarhus"),
        ("Kobenhavn", "København"),
        ("Koebenhavn", "København"),
        ("københavn", "København"),
        ("Copenhagen", "København"),
        ("Copenhagen Municipality", "København"),
        ("Københavns Kommune", "København"),
        ("Kbh.", "København"),
        ("Hoje-Taastrup", "Høje-Taastrup"),
        ("Høje Taastrup", "Høje-Taastrup"),
        ("Hoeje Taastrup", "Høje-Taastrup"),
        ("Høje-Tåstrup", "Høje-Taastrup"),
        ("lyngby", "Lyngby-Taarbæk"),
        ("Lyngby Taarbæk", "Lyngby-Taarbæk"),
        ("Ringkøbing", "Ringkøbing-Skjern"),
        ("ringkobing skjern", "Ringkøbing-Skjern"),
        ("Ikast Brande", "Ikast-Brande"),
        ("Elsinore", "Helsingør"),
        ("Ålborg", "Aalborg"),
        ("aalborg", "Aalborg"),
        ("Tarnby", "Tårnby"),
        ("Taarnby", "Tårnby"),
        ("Koege", "Køge"),
        ("Koge", "Køge"),
        ("Naestved", "Næstved"),
        ("Aeroe", "Ærø"),
        ("Laesoe", "Læsø"),
        ("Fanoe", "Fanø"),
        ("Samsoe", "Samsø"),
        ("Bornholms Regionskommune", "Bornholm"),
        ("Hillerøds Kommune", "Hillerød"),
        ("Municipality of Odense", "Odense"),
        ('"Vordingborg"', "Vordingborg"),
        ("Nordfyn", "Nordfyns"),
        ("Nordfyns Kommune", "Nordfyns"),
        ("Vesthimmerland", "Vesthimmerlands"),
        ("\tFrederiksberg\n", "Frederiksberg"),
    ],
)
def test_forgiving_matches(text: str, name: str) -> None:
    assert named(text) == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kolidng", "Kolding"),        # swapped letters
        ("Odnese", "Odense"),
        ("Silkebrog", "Silkeborg"),
        ("Esbjrg", "Esbjerg"),          # one letter missing
        ("Viborgg", "Viborg"),          # one letter extra
        ("Randres", "Randers"),
        ("Frederiksbrg", "Frederiksberg"),
        ("Frederikshvan", "Frederikshavn"),
        ("Kalundbrog", "Kalundborg"),
        ("Skandeborg", "Skanderborg"),
        ("Guldborgsnd", "Guldborgsund"),
        ("Mariagerfjor", "Mariagerfjord"),
        ("Mariager fjord", "Mariagerfjord"),
        ("Kalunborgg", "Kalundborg"),   # two edits, allowed from nine letters
        ("Nestved", "Næstved"),
        ("Arhus", "Aarhus"),
    ],
)
def test_single_small_typos(text: str, name: str) -> None:
    assert named(text) == name


@pytest.mark.parametrize(
    "text",
    [
        "Koeg",       # four letters: no typo allowed
        "Fax",
        "Sorø2",
        "Odnsee",     # two edits in a six-letter name
        "Kbhh",
    ],
)
def test_typos_on_short_names_are_not_guessed(text: str) -> None:
    assert match_municipality(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Vejlen",      # one edit from both Vejle and Vejen
        "Vejre",       # one edit from both Vejle and Lejre
        "Frederiks",   # Frederiksberg, -havn, -sund
        "Nord",
    ],
)
def test_ambiguous_input_gives_none(text: str) -> None:
    assert match_municipality(text) is None


@pytest.mark.parametrize(
    "text",
    ["Oslo", "Hamburg", "Tórshavn", "Nuuk", "Christiansø", "Region Hovedstaden", "Danmark",
     "ved ikke", "42", "Kommune", "Municipality of", "xyzzy"],
)
def test_unknown_input_gives_none(text: str) -> None:
    assert match_municipality(text) is None


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t", "-", "...", "?!", "– —"],
)
def test_empty_input_gives_none(text: str) -> None:
    assert match_municipality(text) is None
    assert suggest_municipalities(text) == []


def test_huge_input_gives_none() -> None:
    assert named("Aarhus".ljust(100)) == "Aarhus"
    assert match_municipality("Aarhus".ljust(101)) is None
    assert match_municipality("Aarhus" * 1000) is None
    assert suggest_municipalities("Aarhus" * 1000) == []


@pytest.mark.parametrize(
    "text",
    ["Aar\x00hus", "Aarhus\x07", "\x1bAarhus", "Aar\u200bhus", "\u202eAarhus", "Aar\u00adhus", "Aar\x7fhus"],
)
def test_control_characters_give_none(text: str) -> None:
    assert match_municipality(text) is None
    assert suggest_municipalities(text) == []


@pytest.mark.parametrize("value", [None, 751, b"Aarhus", ["Aarhus"], object()])
def test_non_text_gives_none(value) -> None:
    assert match_municipality(value) is None  # type: ignore[arg-type]
    assert suggest_municipalities(value) == []  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=150))
def test_never_raises(text: str) -> None:
    found = match_municipality(text)
    assert found is None or found in ALL
    assert all(m in ALL for m in suggest_municipalities(text))


# ── suggestions ─────────────────────────────────────────────────────────────


def test_suggestions_for_a_misspelling() -> None:
    assert [m.name for m in suggest_municipalities("Frederiksbrg")][0] == "Frederiksberg"
    assert suggest_municipalities("Kobnhvn")[0].name == "København"


def test_suggestions_for_ambiguous_input_offer_each_candidate() -> None:
    assert {m.name for m in suggest_municipalities("Vejlen")[:2]} == {"Vejle", "Vejen"}
    assert {m.name for m in suggest_municipalities("Frederiks")} == {
        "Frederiksberg", "Frederikshavn", "Frederikssund",
    }


def test_suggestions_respect_limit_and_order() -> None:
    assert len(suggest_municipalities("Frederiks", limit=2)) == 2
    assert len(suggest_municipalities("Frederiks", limit=1)) == 1
    assert suggest_municipalities("Frederiks", limit=0) == []
    assert suggest_municipalities("Aarhus")[0].name == "Aarhus"
    assert len(set(suggest_municipalities("Sønderborg", limit=10))) == len(
        suggest_municipalities("Sønderborg", limit=10)
    )


def test_no_suggestions_for_nonsense() -> None:
    assert suggest_municipalities("qwxzqwxzqwxz") == []
    assert suggest_municipalities("Christiansø") == []
