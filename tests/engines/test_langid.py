"""Language detection: the labelled sets as measurements that must not regress, plus the rules."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from bench.langid import DATA, load_rows
from engines.langid import detect_language, explain_language
from engines.langid_model import MODEL_PATH, words_of
from engines.langid_train import TRAIN_PATH, read_lines, train
from insights.render import _language_name

# Floors a regression would break (figures today: 100 % on the labelled set and its holdout split,
# 99.5 % on the short dev set, 98.0 % on the blind set; bench/langid.py prints them).
BAR = 0.99
SHORT_BAR = 0.98
NINE = ("da", "no", "sv", "ar", "tr", "pl", "uk", "de", "en")


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
    assert _accuracy([r for r in rows if r[0] == "da"]) >= BAR


def test_accuracy_on_short_texts_in_the_nine_languages():
    rows = load_rows(DATA / "langid_short_dev.tsv")
    assert {r[0] for r in rows} == set(NINE)
    assert _accuracy(rows) >= SHORT_BAR
    for lang in NINE:
        assert _accuracy([r for r in rows if r[0] == lang]) >= 0.95, lang


def test_accuracy_on_the_blind_set_does_not_fall():
    # Written by someone who never saw the model; evaluated once (98.0 %, below the 99 %).
    # A floor at today's figure, never a target to tune to: the set is not looked at to change the model.
    rows = load_rows(DATA / "langid_blind.tsv")
    assert len(rows) == 450
    assert _accuracy(rows) >= 0.98
    for lang in NINE:
        assert _accuracy([r for r in rows if r[0] == lang]) >= 0.92, lang


def test_the_training_lines_are_not_the_evaluation_lines():
    def key(text: str) -> str:
        return " ".join(words_of(text))

    trained = {key(text) for _, text in read_lines()}
    # (The blind set was written apart, after the training lines; 60 of its 450 common chat phrases
    # happen to be training lines too - the data card gives the figure without them.)
    for name in ("langid_labelled.tsv", "langid_short_dev.tsv"):
        overlap = [r[4] for r in load_rows(DATA / name) if key(r[4]) in trained]
        # A few one-word greetings are the same in any set of chat lines ("hej", "super").
        assert len(overlap) <= 5, (name, overlap)


def test_the_shipped_model_is_what_the_training_script_makes():
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(train(read_lines(TRAIN_PATH))))


def test_every_language_it_can_answer_has_a_name_in_danish_and_english():
    codes = set(json.loads(MODEL_PATH.read_text(encoding="utf-8"))["languages"])
    codes |= {"ar", "fa", "ur", "ckb", "uk", "ru", "el", "he", "ti", "ro", "nl", "pt", "fi", "it"}
    for code in codes:
        for reader in ("da", "en"):
            assert _language_name(code, reader) != code, (code, reader)
    assert _language_name("no", "da") == "norsk" and _language_name("sv", "en") == "Swedish"


def test_short_danish_is_not_norwegian():
    for text in ["Jeg er ensom", "hej", "tak for i dag", "Ingen at snakke med", "det er svært"]:
        assert detect_language(text) == "da", text


@pytest.mark.parametrize("text", [
    "Jeg føler meg veldig ensom og trenger noen å snakke med", "Hei", "Takk for i dag", "Jeg er så lei meg",
    "Eg er einsam", "Kva skal eg gjere", "Familien min bor i Bergen", "Jeg har ikke noen venner her nå",
    "Jeg savner noen å prate med", "Det er kjedelig å være alene", "Hva gjør du i helgen?",
])
def test_norwegian_with_norwegian_words_or_spellings_is_norwegian(text):
    assert detect_language(text) == "no"


@pytest.mark.parametrize("text", [
    "Jag känner mig ensam", "Tack", "Hur mår du?", "Jag har inga vänner här", "Det är tråkigt",
    "Vi ses imorgon", "Jag saknar min familj", "Det regnar igen",
])
def test_swedish_is_swedish(text):
    assert detect_language(text) == "sv"


def test_a_text_the_same_in_danish_and_norwegian_is_danish_unless_the_platform_says_norwegian():
    for text in ("Jeg er ensom", "Jeg savner min familie", "Det er en tung tid", "Kan man komme alene?"):
        assert detect_language(text) == "da", text
        assert detect_language(text, hint="nb-NO") == "no", text
    # The words decide over the platform: Danish words stay Danish on a Norwegian phone.
    assert detect_language("Jeg har ikke nogen at snakke med", hint="nb") == "da"


@pytest.mark.parametrize(("text", "lang"), [
    ("Merhaba, nasılsın?", "tr"), ("Cok yalnizim burada", "tr"), ("Jestem bardzo samotna", "pl"),
    ("nie mam przyjaciol", "pl"), ("Ich vermisse meine Familie", "de"), ("I miss my family", "en"),
    ("ja tak", "da"), ("tak", "da"), ("trist", "da"), ("İyi geceler", "tr"), ("İYİYİM", "tr"),
    ("Mir geht's nicht gut", "de"), ("Me too", "en"), ("Nie wiem", "pl"),
])
def test_short_messages(text, lang):
    assert detect_language(text) == lang


def test_langdetect_only_adds_languages_the_model_does_not_know():
    assert explain_language("Mă simt foarte singur aici în Danemarca").language == "ro"
    assert explain_language("Olen hyvin yksinäinen täällä Tanskassa").reason == "langdetect"
    assert explain_language("Jeg føler mig meget ensom her i Danmark").reason == "model"


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
    assert detect_language("شكرا لك") == "ar"  # the kaf and yeh of Arabic
    assert detect_language("من خیلی احساس تنهایی می‌کنم") == "fa"
    assert detect_language("Мне очень одиноко") == "ru"
    assert detect_language("Привіт") == "uk"
    assert detect_language("Дякую") == "uk"  # no tell-tale letter: the word
    assert detect_language("Как дела") == "ru"
    assert detect_language("Є хтось?") == "uk" and detect_language("Это тяжело") == "ru"


def test_placeholders_and_links_are_ignored():
    assert detect_language("[telefon] [email] https://example.com") == "da"
    assert detect_language("https://example.com/the/and/you", chosen="da") == "da"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([None, "da", "en"]), st.sampled_from([None, "en-US", "ar", "xx-YY", ""]))
def test_never_crashes_and_always_answers_a_code(text, chosen, hint):
    code = detect_language(text, chosen, hint)
    assert isinstance(code, str) and 2 <= len(code) <= 3 and code.isalpha()
