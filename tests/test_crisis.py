"""Crisis detection measured on a labelled set: every crisis text caught, few ordinary ones flagged."""
from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import handlers.crisis as crisis
from handlers.crisis import CrisisMatch, crisis_reply, detect_crisis, normalise

DATA = Path(__file__).parent / "data" / "crisis_labelled.tsv"
LEXICON = Path(crisis.__file__).resolve().parents[1] / "content" / "safety" / "crisis.toml"

MIN_RECALL = 1.0
MAX_FALSE_POSITIVE_RATE = 0.05
MIN_TEXTS_PER_SECOND = 20_000

# Implicit crisis messages a word list cannot catch without also flagging everyday sentences
# ("I morgen gør jeg det" is as often about the washing-up). Kept here, visible, so nobody
# mistakes the lexicon for a complete safeguard; printed, not asserted.
KNOWN_LIMITS = [
    "Jeg har besluttet mig. I morgen gør jeg det.",
    "tonight I'm going to do it, I've made up my mind",
    "det hele er meningsløst og jeg vil ikke mere",
]


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for n, line in enumerate(DATA.read_text(encoding="utf-8").splitlines()[1:], start=2):
        if not line.strip():
            continue
        label, lang, text = line.split("\t")
        assert label in ("crisis", "ordinary"), f"line {n}: label {label!r}"
        assert lang in ("da", "en"), f"line {n}: lang {lang!r}"
        rows.append((label, lang, text))
    return rows


def _lexicon() -> dict:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


def test_labelled_set_is_big_enough_and_balanced():
    rows = _rows()
    assert len(rows) >= 120
    for label in ("crisis", "ordinary"):
        for lang in ("da", "en"):
            assert sum(1 for r in rows if r[:2] == (label, lang)) >= 20, (label, lang)


def test_labelled_set_recall_and_false_positives():
    rows = _rows()
    crisis_rows = [r for r in rows if r[0] == "crisis"]
    ordinary_rows = [r for r in rows if r[0] == "ordinary"]
    missed = [text for _, _, text in crisis_rows if detect_crisis(text) is None]
    flagged = [(text, detect_crisis(text)) for _, _, text in ordinary_rows if detect_crisis(text) is not None]
    recall = 1 - len(missed) / len(crisis_rows)
    fp_rate = len(flagged) / len(ordinary_rows)
    print(f"\ncrisis: recall {recall:.1%} ({len(crisis_rows) - len(missed)}/{len(crisis_rows)}), "
          f"false positives {fp_rate:.1%} ({len(flagged)}/{len(ordinary_rows)})")
    for lang in ("da", "en"):
        c = [r for r in crisis_rows if r[1] == lang]
        o = [r for r in ordinary_rows if r[1] == lang]
        print(f"  {lang}: recall {sum(detect_crisis(t) is not None for *_, t in c)}/{len(c)}, "
              f"flagged {sum(detect_crisis(t) is not None for *_, t in o)}/{len(o)}")
    for text, m in flagged:
        print(f"  flagged ordinary: {text!r} -> {m}")
    known = sum(detect_crisis(t) is not None for t in KNOWN_LIMITS)
    print(f"  known limits (implicit wording, not in the bar): {known}/{len(KNOWN_LIMITS)} caught")
    assert missed == [], f"missed crisis texts: {missed}"
    assert recall >= MIN_RECALL
    assert fp_rate <= MAX_FALSE_POSITIVE_RATE, f"flagged ordinary texts: {flagged}"


def test_every_lexicon_example_matches_its_group():
    problems = []
    for group in _lexicon()["group"]:
        assert group.get("comment"), f"group {group['name']} needs a comment"
        for example in group.get("examples", []):
            m = detect_crisis(example)
            if m is None:
                problems.append(f"{group['name']}: {example!r} not detected")
    assert problems == []


def test_every_phrase_matches_itself():
    missing = [(g["name"], p) for g in _lexicon()["group"] for p in g.get("phrases", [])
               if detect_crisis(p.replace("*", "")) is None]
    assert missing == []


@pytest.mark.parametrize("text, group", [
    ("Jeg tænker på SELVMORD", "suicide"),
    ("jeg vil gore en ende paa det", "ending_it"),
    ("jeg vil goere en ende paa det hele", "ending_it"),
    ("jeg  vil\tbare\n\nikke være her mere", "not_be_here"),
    ("jeg vil ikkeeeee være her mereeee", "not_be_here"),
    ("I want to kill myselfffff", "suicide"),
    ("I DON’T want to live anymore", "not_be_here"),
    ("jeg har samlet alle mine sovepiller", "means"),
    ("FARVEL TIL ALLE.", "farewell"),
])
def test_normalisation_variants(text, group):
    m = detect_crisis(text)
    assert m is not None and m.group == group, m


@pytest.mark.parametrize("text", [
    "jeg er så ensom", "I feel alone", "jeg tog en pille mod hovedpine", "tager min medicin",
    "sidste bus", "dræbende kedeligt", "killing time", "ending the call", "vi døde af grin",
    "jeg skal ikke hænge mig i småting", "min læge har givet mig sovepiller", "", "   ",
])
def test_ordinary_phrases_do_not_trigger(text):
    assert detect_crisis(text) is None


def test_match_is_a_frozen_dataclass():
    m = detect_crisis("jeg vil tage mit eget liv")
    assert isinstance(m, CrisisMatch) and m.group == "suicide" and m.phrase == "tage mit eget liv"
    with pytest.raises(AttributeError):
        m.group = "x"  # type: ignore[misc]


@pytest.mark.parametrize("lang", ["da", "en"])
def test_reply_has_the_numbers(lang):
    reply = crisis_reply(lang)
    for number in ("70 201 201", "112", "116 111"):
        assert number in reply, (lang, number)
    assert "Livslinien" in reply and "BørneTelefonen" in reply


def test_reply_falls_back_to_danish():
    da = crisis_reply("da")
    assert crisis_reply("en") != da
    assert crisis_reply("de") == da
    assert crisis_reply("") == da
    assert crisis_reply("da-DK") == da
    assert crisis_reply("en_GB") == crisis_reply("en")


def test_reply_file_is_marked_for_review():
    data = tomllib.loads((LEXICON.parent / "crisis_reply.toml").read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["reviewed_by"] == "pending clinical review"


def test_throughput():
    texts = [t for *_, t in _rows()] * 20
    best = min(_timed(texts) for _ in range(5))  # best of five: robust to a busy machine
    rate = len(texts) / best
    print(f"\ncrisis: {rate:,.0f} texts/s")
    assert rate >= MIN_TEXTS_PER_SECOND


def _timed(texts: list[str]) -> float:
    start = time.perf_counter()
    for t in texts:
        detect_crisis(t)
    return time.perf_counter() - start


def test_huge_input_is_linear():
    for text in ("jeg vil ikke " * 20_000, "a." * 100_000, "æ" * 200_000 + " selvmord"):
        start = time.perf_counter()
        detect_crisis(text)
        assert time.perf_counter() - start < 3
    assert detect_crisis("æ" * 200_000 + " selvmord") is not None


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(), st.binary().map(lambda b: b.decode("utf-8", "surrogateescape"))))
def test_never_raises(text):
    result = detect_crisis(text)
    assert result is None or isinstance(result, CrisisMatch)


def test_odd_inputs():
    assert detect_crisis("\ud800 selvmord") is not None  # lone surrogate from a broken client
    assert detect_crisis(None) is None  # type: ignore[arg-type]
    assert detect_crisis("\x00" * 10) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_and_plain(text):
    n = normalise(text)
    assert normalise(n) == n
    assert re.fullmatch(r"[a-z0-9 ]*", n)


# The fast search (a phrase trie plus first-letter buckets) must find exactly what a plain
# alternation of every lexicon entry finds.
_NAIVE = None


def _naive() -> re.Pattern[str]:
    global _NAIVE
    if _NAIVE is None:
        sources = []
        for group in _lexicon()["group"]:
            sources += [crisis._phrase_regex(p) for p in group.get("phrases", [])]
            sources += [crisis._fold_regex(r) for r in group.get("regexes", [])]
        _NAIVE = re.compile(r"(?<![a-z0-9])(?:" + "|".join(sources) + r")(?![a-z0-9])")
    return _NAIVE


_WORDS = sorted({w for g in _lexicon()["group"] for p in g.get("phrases", []) + g.get("examples", [])
                 for w in normalise(p.replace("*", "")).split()}
                | {"jeg", "i", "ikke", "alene", "af", "med", "om", "dagen", "the", "to", "30", "15"})


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12))
def test_fast_search_equals_plain_alternation(words):
    text = " ".join(words)
    fast = detect_crisis(text)
    naive = _naive().search(normalise(text))
    assert (fast is None) == (naive is None), (text, fast, naive)
    if fast is not None:
        assert fast.group != "unknown"
