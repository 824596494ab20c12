"""Crisis detection measured on labelled sets: every crisis text caught, few ordinary ones flagged."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engines.crisis as crisis
from engines.crisis import CrisisMatch, crisis_reply, detect_crisis, filing, folding, matcher, normalise
from engines.crisis.lexicon import _group_entries

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEV = DATA_DIR / "crisis_labelled.tsv"  # the development set: tune the lexicon on this ...
HELDOUT_A = DATA_DIR / "crisis_heldout_a.tsv"  # ... and on this (written without seeing the rules)
# ... and on this. heldout_b was the never-tuned measure of lexicon v2 (54.3 % recall); in round 2
# (lexicon v3) its misses were read and generalised into kinds of wording, so it is a development
# set now and no longer says anything about unforeseen wording.
HELDOUT_B = DATA_DIR / "crisis_heldout_b.tsv"
# ... and on this. heldout_c was the never-tuned measure of lexicon v3: written independently, its
# texts unread while v3 was written, it measured 50.0 % recall (50/100; da 34/67, en 16/33) and 2.0 %
# false positives (2/100) at the end of round 2 (v2 before it: 40.0 %). In round 3 (lexicon v4) its
# misses and false positives were read and generalised into kinds of wording, each with new crisis
# paraphrases and ordinary near misses in the dev set, so it is a development set now and no longer
# says anything about unforeseen wording.
HELDOUT_C = DATA_DIR / "crisis_heldout_c.tsv"
DEVELOPMENT_SETS = [DEV, HELDOUT_A, HELDOUT_B, HELDOUT_C]
# HELD-OUT SET, NEVER USED FOR TUNING. Written by someone who never saw the lexicon, the rules or the
# other sets; nobody working on the lexicon has opened it. Its texts are never printed, not even when a
# test fails - only aggregate figures. It is the honest estimate of how the lexicon does on wording
# nobody anticipated. Keep it that way: when it falls short, do not read its misses and patch them;
# add the *kind* of wording that is missing to the dev set, and have someone write a fresh set.
# Measured once at the end of round 3 (lexicon v4): recall 51.7 % (62/120; da 36/75, en 26/45), false
# positives 3.3 % (4/120; da 3/75, en 1/45). Lexicon v3 before round 3: 49.2 % (59/120), 3.3 %.
# Lexicon v5 (prefix fixes, "samlet piller nok"; from probing plain sentences): unchanged, 51.7 %, 3.3 %.
# Round 3 took every dev set to 100 % and moved this one 2.5 points: a word list does not generalise
# to unforeseen wording, which is why issue 9 stays open (see docs/safety.md).
HELDOUT_D = DATA_DIR / "crisis_heldout_d.tsv"
# The floor is the measured figure rounded down to 5 %: it guards against regressions, it is not the bar.
HELDOUT_D_MIN_RECALL = 0.50
HELDOUT_MAX_FALSE_POSITIVE_RATE = 0.05  # the bar for ordinary texts
LEXICON = Path(crisis.__file__).resolve().parents[2] / "content" / "safety" / "crisis.toml"

MIN_RECALL = 1.0  # development sets: every crisis text signposted (issue 9)
MAX_FALSE_POSITIVE_RATE = 0.03  # all sets: at most 3 % of ordinary texts signposted

# Implicit crisis messages a word list cannot catch without also flagging everyday sentences
# ("jeg kan ikke mere" is everyday Danish for being worn out; "det er slut nu" ends a relationship
# as often as a life; a rope in a bag is a climber's). Kept here, visible, so nobody mistakes the
# lexicon for a complete safeguard; printed, not asserted. (Round 2 catches the v2 list's decision,
# calm, farewell-with-affairs-in-order and station wording by co-occurrence; see crisis.toml. Round 3
# leaves funeral plans and "who gets what" here: older people make them without being in crisis.)
KNOWN_LIMITS = [
    "jeg kan ikke mere",
    "det er slut nu",
    "i aften slutter det",
    "tonight is the night",
    "det er for sent for mig",
    "I've got a rope in my bag",
    "jeg har et reb i tasken",
    "I want to go be with my husband",
    "tak for alt, I har været gode ved mig",
    "jeg har bestilt piller på nettet og de kommer i morgen",
    "I think I'm going to do it tonight",
    "jeg tror jeg gør det i nat",
    "I keep imagining my funeral",
    "jeg har tænkt på min egen begravelse",
    "I've picked the music for my funeral and written down who gets what",
]


def _rows(path: Path = DEV) -> list[tuple[str, str, str]]:
    if not path.exists():
        pytest.skip(f"{path.name} is not in this checkout")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()[1:], start=2):
        if not line.strip():
            continue
        label, lang, text = line.split("\t")
        assert label in ("crisis", "ordinary"), f"{path.name} line {n}: label {label!r}"
        assert lang in ("da", "en"), f"{path.name} line {n}: lang {lang!r}"
        rows.append((label, lang, text))
    return rows


def _lexicon() -> dict:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


def _measure(path: Path, show_texts: bool = True) -> tuple[float, float, list[str], list[str]]:
    """Recall on crisis texts and false-positive rate on ordinary ones, printed per language."""
    rows = _rows(path)
    crisis_rows = [r for r in rows if r[0] == "crisis"]
    ordinary_rows = [r for r in rows if r[0] == "ordinary"]
    missed = [text for _, _, text in crisis_rows if detect_crisis(text) is None]
    flagged = [text for _, _, text in ordinary_rows if detect_crisis(text) is not None]
    recall = 1 - len(missed) / len(crisis_rows)
    fp_rate = len(flagged) / len(ordinary_rows)
    print(f"\n{path.name}: recall {recall:.1%} ({len(crisis_rows) - len(missed)}/{len(crisis_rows)}), "
          f"false positives {fp_rate:.1%} ({len(flagged)}/{len(ordinary_rows)})")
    for lang in ("da", "en"):
        c = [t for _, lg, t in crisis_rows if lg == lang]
        o = [t for _, lg, t in ordinary_rows if lg == lang]
        caught = sum(detect_crisis(t) is not None for t in c)
        wrong = sum(detect_crisis(t) is not None for t in o)
        print(f"  {lang}: recall {caught}/{len(c)} = {caught / len(c):.1%}, "
              f"false positives {wrong}/{len(o)} = {wrong / len(o):.1%}")
    if show_texts:
        for text in missed:
            print(f"  missed: {text!r}")
        for text in flagged:
            print(f"  flagged ordinary: {text!r} -> {detect_crisis(text)}")
    return recall, fp_rate, missed, flagged


@pytest.mark.parametrize("path", DEVELOPMENT_SETS, ids=lambda p: p.stem)
def test_labelled_set_is_big_enough_and_balanced(path):
    rows = _rows(path)
    assert len(rows) >= 120
    for label in ("crisis", "ordinary"):
        for lang in ("da", "en"):
            assert sum(1 for r in rows if r[:2] == (label, lang)) >= 20, (label, lang)


@pytest.mark.parametrize("path", DEVELOPMENT_SETS, ids=lambda p: p.stem)
def test_development_sets_recall_and_false_positives(path):
    recall, fp_rate, missed, flagged = _measure(path)
    assert missed == [], f"missed crisis texts: {missed}"
    assert recall >= MIN_RECALL
    assert fp_rate <= MAX_FALSE_POSITIVE_RATE, f"flagged ordinary texts: {flagged}"


def test_never_tuned_set_is_measured_without_showing_its_texts():
    rows = _rows(HELDOUT_D)
    assert len(rows) >= 200
    recall, fp_rate, _, _ = _measure(HELDOUT_D, show_texts=False)
    # Figures only, even on failure: a printed miss would invite a patch and spoil the set.
    assert recall >= HELDOUT_D_MIN_RECALL, f"recall {recall:.1%} on the never-tuned set"
    assert fp_rate <= HELDOUT_MAX_FALSE_POSITIVE_RATE, f"false positives {fp_rate:.1%} on the never-tuned set"


def test_known_limits_are_printed():
    known = sum(detect_crisis(t) is not None for t in KNOWN_LIMITS)
    print(f"\nknown limits (implicit wording, not in the bar): {known}/{len(KNOWN_LIMITS)} caught")


@pytest.mark.parametrize("name", ["themes_labelled.tsv", "langid_labelled.tsv"])
def test_other_ordinary_reflections_are_rarely_flagged(name):
    """The labelled reflections of the themes and language sets are ordinary talk (some of it sad):
    few may be flagged."""
    path = DATA_DIR / name
    if not path.exists():
        pytest.skip(f"no {name} in this checkout")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    texts = [ln.split("\t")[-1] for ln in lines[1:]]  # the text is the last column of both
    flagged = [t for t in texts if detect_crisis(t) is not None]
    print(f"\n{name}: {len(flagged)}/{len(texts)} flagged")
    assert len(texts) >= 100
    assert len(flagged) / len(texts) <= MAX_FALSE_POSITIVE_RATE, flagged


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
    assert data["version"] == 2
    assert data["reviewed_by"] == "pending clinical review"


def test_huge_input_is_still_read_to_the_end():
    # How long these take is a row of `python -m bench` (bench/engines.py), not an assertion here.
    for text in ("jeg vil ikke " * 20_000, "a." * 100_000):
        assert detect_crisis(text) is None
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


_REFERENCE_REPEAT = re.compile(r"([a-z])\1+")


def _reference_normalise(text: str) -> str:
    """normalise() as it is defined (engines/crisis/folding.py computes the same, faster)."""
    s = unicodedata.normalize("NFKD", text).casefold().translate(folding._CHAR_FOLD)
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    s = _REFERENCE_REPEAT.sub(r"\1", s)
    if "ae" in s or "oe" in s:
        s = _REFERENCE_REPEAT.sub(r"\1", s.replace("ae", "a").replace("oe", "o"))
    return s


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("aeoøæåkl '’`´ʼ‘ÆØÅéñßœðþłđ\u0301\u030a.!😀")) | st.text())
def test_normalise_is_its_definition(text):
    assert normalise(text) == _reference_normalise(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_and_plain(text):
    n = normalise(text)
    assert normalise(n) == n
    assert re.fullmatch(r"[a-z0-9 ]*", n)


# The search files each lexicon entry under the letters it can start with, near entries and
# entries that start with a vocabulary list by a shared trigger, and looks at `unless` only on a hit.
# It must find a crisis exactly when the plain reference below does: every entry searched on its own.
_REFERENCE = None


def _reference() -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """(group, the entry as one whole-word regex, its unless) for every lexicon entry."""
    global _REFERENCE
    if _REFERENCE is None:
        data = _lexicon()
        _REFERENCE = [(group["name"], re.compile(r"(?<![a-z0-9])(?:" + e.src + r")(?![a-z0-9])"),
                       None if e.unless is None else re.compile(r"(?<![a-z0-9])(?:" + e.unless + r")(?![a-z0-9])"))
                      for group in data["group"] for e in _group_entries(group, data.get("vocabulary", {}))]
    return _REFERENCE


def _same_as_plain(text: str) -> None:
    fast = detect_crisis(text)
    normalised = normalise(text)
    reach = matcher._UNLESS_REACH
    matching = [(group, m.group(0)) for group, entry, unless in _reference() for m in _all_matches(entry, normalised)
                if not (unless and unless.search(normalised, max(0, m.start() - reach), m.end() + reach))]
    assert (fast is None) == (not matching), (text, fast, matching[:3])
    if fast is not None:
        assert fast.group != "unknown" and (fast.group, fast.phrase) in matching, (text, fast, matching[:3])


def _all_matches(entry: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """The match of the entry at every position (overlapping, unlike finditer)."""
    return [m for i in range(len(text) + 1) if (m := entry.match(text, i)) is not None]


def test_filed_search_equals_plain_alternation_on_every_labelled_text():
    texts = [t for path in DEVELOPMENT_SETS if path.exists() for *_, t in _rows(path)]
    texts += [e for g in _lexicon()["group"] for e in g.get("examples", [])] + KNOWN_LIMITS
    for text in texts:
        _same_as_plain(text)


_WORDS = sorted({w for g in _lexicon()["group"] for p in g.get("phrases", []) + g.get("examples", [])
                 for w in normalise(p.replace("*", "")).split()}
                | {w for *_, t in _rows(DEV) for w in normalise(t).split()}
                | {"jeg", "i", "ikke", "alene", "af", "med", "om", "dagen", "the", "to", "30", "15", "nu"})


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=12))
def test_filed_search_equals_plain_alternation(words):
    _same_as_plain(" ".join(words))


def test_by_two_files_by_the_first_two_characters():
    assert filing._by_two("jeg vil") == {"je": "jeg vil"}
    assert filing._by_two("(?:piller|pamol|tramadol)\\w*") == {"pi": "(?:piller)\\w*", "pa": "(?:pamol)\\w*",
                                                               "tr": "(?:tramadol)\\w*"}
    assert filing._by_two("(?<!glemt )ale mine") == {"al": "(?<!glemt )ale mine"}
    assert filing._by_two("i vil|ikke") == {"i ": "i vil", "ik": "ikke"}
    for unplain in ("a?b", "ab?c", "\\w+ x", "[ab]c", "(?:a|bc)d", "(?:ab)?c", "(?:ab|cd)+"):
        assert filing._by_two(unplain) is None, unplain


def test_by_letter_splits_a_leading_list():
    assert filing._by_letter("(?:ab|cd|ae)x") == {"a": "(?:ab|ae)x", "c": "(?:cd)x"}
    assert filing._by_letter("(?<!no )(?:(?:piller|pamol)|kniv) y") == {
        "p": "(?<!no )(?:(?:piller|pamol)) y", "k": "(?<!no )(?:kniv) y"}
    assert filing._by_letter("(?:ab|cd)+x") == {"a": "(?:ab|cd)+x", "c": "(?:ab|cd)+x"}  # "abcdx"


def test_near_matches_both_orders_within_the_window():
    lexicon = matcher._compile_lexicon({"group": [{"name": "x", "near": [["besluttet mig", "gør (jeg )?det", 3]]}]})
    assert lexicon.find(normalise("Jeg har besluttet mig. I morgen gør jeg det."))
    assert lexicon.find(normalise("I morgen gør jeg det, jeg har besluttet mig"))
    assert lexicon.find(normalise("besluttet mig nej. besluttet mig, gør det"))  # the second a counts
    assert not lexicon.find(normalise("besluttet mig en to tre fire gør det"))
    assert not lexicon.find(normalise("jeg har besluttet mig"))


def test_unless_voids_an_entry_when_its_words_are_near():
    lexicon = matcher._compile_lexicon({"group": [
        {"name": "near", "near": [["gå ud i havet", "i nat", 3, "vinterbad\\w*"]]},
        {"name": "regex", "regexes": [["gemt (mine )?piller", "ferie\\w*"], "selvmord"]}]})
    assert lexicon.find(normalise("jeg vil gå ud i havet i nat")).group == "near"
    assert not lexicon.find(normalise("vinterbaderne: jeg vil gå ud i havet i nat"))  # before ...
    assert not lexicon.find(normalise("jeg vil gå ud i havet i nat, vinterbadning er skønt"))  # ... or after
    assert lexicon.find(normalise("har gemt mine piller")).group == "regex"
    assert not lexicon.find(normalise("har gemt mine piller til ferien"))
    # a void entry does not hide another one at the same place or later
    assert lexicon.find(normalise("har gemt piller til ferien, tænker på selvmord")).phrase == "selvmord"
    # in a long message, a holiday three sentences away says nothing about the sentence that hit
    far = "Jeg var på ferie i Spanien sidste år med min søster, vi boede på et hotel ved stranden og spiste godt hver dag. "
    assert not lexicon.find(normalise("har gemt mine piller. " + far))
    assert lexicon.find(normalise(far + "Nu er alt gråt igen, og jeg har gemt mine piller")).group == "regex"


def test_entries_starting_with_a_list_share_it_as_trigger():
    data = {"vocabulary": {"meds": "piller|panodil\\w*"},
            "group": [{"name": "x", "regexes": ["({meds}) (liggende|klar)", "{meds} foran mig", "x|({meds}) y"]}]}
    entries = _group_entries(data["group"][0], data["vocabulary"])
    assert [e.trigger is not None for e in entries] == [True, True, False]  # "x|..." does not start with it
    lexicon = matcher._compile_lexicon(data)
    assert lexicon.find(normalise("jeg har panodiler liggende")).phrase == "panodiler ligende"
    assert lexicon.find(normalise("piller nej piller foran mig")).phrase == "piler foran mig"
    assert lexicon.find("x") and not lexicon.find("panodil")


def test_vocabulary_may_name_vocabulary():
    lexicon = matcher._compile_lexicon({"vocabulary": {"a": "broen|taget", "b": "{a}|kanten"},
                                        "group": [{"name": "x", "regexes": ["står på ({b}) nu"]}]})
    assert lexicon.find(normalise("jeg står på kanten nu")) and lexicon.find(normalise("står på broen nu"))
    with pytest.raises(ValueError, match="nested too deep"):
        matcher._compile_lexicon({"vocabulary": {"a": "{b}", "b": "{a}"}, "group": [{"name": "x", "regexes": ["{a}"]}]})


@pytest.mark.parametrize("src, letters", [
    ("abc|def", "ad"), ("(?:ab|[0-9]c)d", "0123456789a"), ("(?<!x )kms", "k"), ("[]a]b", "a"),
    ("(?:a|b)?c", filing._ALNUM), (r"\wfoo", filing._ALNUM), ("(?:^|i )x", filing._ALNUM), ("a+b", "a"),
])
def test_first_letters(src, letters):
    assert filing._first_letters(src) == letters


def test_lexicon_errors_are_loud():
    with pytest.raises(ValueError, match="unknown vocabulary"):
        matcher._compile_lexicon({"group": [{"name": "x", "regexes": ["{nosuch} piller"]}]})
    with pytest.raises(ValueError, match="bad pattern"):
        matcher._compile_lexicon({"group": [{"name": "x", "regexes": ["(unclosed"]}]})
    lexicon = matcher._compile_lexicon({"vocabulary": {"meds": "piller|panodil"},
                                        "group": [{"name": "x", "regexes": ["har 30 {meds}"]}]})
    assert lexicon.find("jeg har 30 panodil").group == "x"
    with pytest.raises(ValueError, match="bad pattern"):
        matcher._compile_lexicon({"group": [{"name": "x", "near": [["ok", "(unclosed", 3]]}]})
    with pytest.raises(ValueError, match="bad pattern"):
        matcher._compile_lexicon({"group": [{"name": "x", "regexes": [["ok", "(unclosed"]]}]})


def test_no_private_regex_api():
    for module in Path(crisis.__file__).parent.glob("*.py"):
        if module.name == "prepared.py":
            # The one exception: the on-disk cache keeps what re gives _sre, keyed by Python version and
            # _sre.MAGIC, and compiles plainly when the internals differ. Matching never uses them.
            continue
        source = module.read_text(encoding="utf-8")
        assert "_parser" not in source and "_constants" not in source and "sre_" not in source, module.name


@pytest.mark.parametrize("text,crisis_expected", [
    ("jeg vil dø medmindre nogen ringer", True),  # "med" is an exception, "medmindre" is not
    ("jeg vil ende det i aften", True),  # "af" is an exception, "aften" is not
    ("I want to die forever", True),  # "for" (die for my country) is an exception, "forever" is not
    ("I want to take my life in a new direction", False),  # an exception ending in a space still holds
    ("jeg vil dø af grin", False),
    ("jeg vil ende mit liv med dig", False),
    ("jeg vil ende mit liv med piller", True),
])
def test_exceptions_are_whole_words(text, crisis_expected):
    assert (detect_crisis(text) is not None) == crisis_expected
