"""Language detection: the labelled set as a measurement that must not regress, plus the rules."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bench.langid import load_rows
from engines.langid import detect_language, explain_language

# The bar is 97 %; the set is ours, so hold it a little higher and watch the holdout split.
BAR = 0.97


def _accuracy(rows) -> float:
    right = sum(detect_language(text, chosen, hint) == lang for lang, _, chosen, hint, text in rows)
    return right / len(rows)


def test_labelled_set_is_big_and_mostly_danish():
    rows = load_rows()
    assert len(rows) >= 150
    danish = [r for r in rows if r[0] == "da"]
    assert len(danish) > len(rows) / 2
    assert sum(len(r[4].split()) <= 3 for r in danish) >= 40  # many very short ones
    assert {"en", "ar", "uk", "tr", "pl", "so", "de", "sv", "no"} <= {r[0] for r in rows}


def test_accuracy_on_labelled_set():
    rows = load_rows()
    assert _accuracy(rows) >= BAR
    assert _accuracy([r for r in rows if r[1] == "holdout"]) >= BAR
    assert _accuracy([r for r in rows if r[0] == "da"]) >= 0.98


def test_short_danish_is_not_norwegian():
    for text in ["Jeg er ensom", "hej", "tak for i dag", "Ingen at snakke med", "det er svært"]:
        assert detect_language(text) == "da", text


def test_norwegian_with_norwegian_words_is_norwegian():
    assert detect_language("Jeg føler meg veldig ensom og trenger noen å snakke med") == "no"


def test_context_decides_when_the_text_says_nothing():
    assert detect_language("ok") == "da"
    assert detect_language("ok", chosen="en") == "en"
    assert detect_language("ok", hint="en-GB") == "en"
    assert detect_language("👍") == "da"
    assert explain_language("👍", chosen="en").reason == "context"


def test_text_evidence_beats_context():
    assert detect_language("Jeg har ingen venner her", chosen="en") == "da"
    assert detect_language("I have no friends here at all", chosen="da") == "en"
    assert detect_language("Я дуже сумую за домом", chosen="da") == "uk"


def test_scripts():
    assert detect_language("أشعر بالوحدة") == "ar"
    assert detect_language("من خیلی احساس تنهایی می‌کنم") == "fa"
    assert detect_language("Мне очень одиноко") == "ru"
    assert detect_language("Привіт") == "uk"


def test_placeholders_and_links_are_ignored():
    assert detect_language("[telefon] [email] https://example.com") == "da"
    assert detect_language("https://example.com/the/and/you", chosen="da") == "da"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([None, "da", "en"]), st.sampled_from([None, "en-US", "ar", "xx-YY", ""]))
def test_never_crashes_and_always_answers_a_code(text, chosen, hint):
    code = detect_language(text, chosen, hint)
    assert isinstance(code, str) and 2 <= len(code) <= 3 and code.isalpha()
