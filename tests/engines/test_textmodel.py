"""The text model: its features, its artefact, pure-Python scores equal to scikit-learn's, and the data
cards that say what each shipped model was never trained on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engines.textmodel import ModelError, features, load_model, save_model, word_features, words_of

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
MODELS = ROOT / "content" / "models"


def test_folding_lets_typed_digraphs_and_letters_meet():
    assert words_of("Jeg HÆNGER ud på gården") == words_of("jeg haenger ud paa gaarden")
    assert words_of("Ｊeg") == words_of("Jeg") or words_of("Ｊeg")  # never raises on odd letters
    assert "c:<hj" in word_features("hjaelp") and "w:hjaelp" in word_features("hjaelp")


def test_features_are_scaled_by_their_number():
    f = features("ensom ensom")
    assert f["w:ensom"] == pytest.approx(2 / (2 * 13 + 1) ** 0.5)  # 12 pieces + the word, twice, and a pair
    assert features("") == {}


def _tiny(weights: dict[str, float]) -> dict:
    return {"format": "samtale-textmodel/1", "name": "t", "version": "1", "classes": ["x"],
            "intercepts": {"x": -1.0}, "calibration": {"x": [1.0, 0.0]}, "thresholds": {"x": 0.5},
            "weights": {"x": weights}}


def test_artefact_round_trip_and_scores(tmp_path):
    path = tmp_path / "m.json"
    save_model(_tiny({"w:ensom": 2.0, "b:meget ensom": 1.0, "c:<en": 0.5}), path)
    model = load_model(path)
    text = "meget ensom"
    expected = -1.0 + sum(w * features(text).get(f, 0.0)
                          for f, w in {"w:ensom": 2.0, "b:meget ensom": 1.0, "c:<en": 0.5}.items())
    assert model.scores(text)[0] == pytest.approx(expected)
    assert model._one_class_score(text) == pytest.approx(expected)
    assert model.top_features(text, "x", 1) == ["ensom"]
    assert json.loads(path.read_text())["thresholds"] == {"x": 0.5}


def test_a_broken_artefact_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(tmp_path / "bad.json")
    (tmp_path / "old.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelError, match="not a samtale-textmodel/1"):
        load_model(tmp_path / "old.json")


def test_training_gives_the_scores_scikit_learn_gives():
    pytest.importorskip("sklearn")
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from engines.textmodel import from_dict
    from engines.training.fit import fit

    texts = [f"jeg er ensom {i}" for i in range(12)] + [f"vi har det sjovt {i}" for i in range(12)]
    labels = [frozenset({"sad"})] * 12 + [frozenset()] * 12
    fitted = fit(texts, labels, ["sad"], cs=(1.0,), folds=3)
    model = from_dict({**fitted.data, "name": "t", "version": "1"})
    vec = DictVectorizer()
    x = vec.fit_transform([features(t) for t in texts])
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(x, np.array([1] * 12 + [0] * 12))
    for text in ("jeg er så ensom", "vi har det sjovt"):
        expected = reference.decision_function(vec.transform([features(text)]))[0]
        assert model.scores(text)[0] == pytest.approx(expected, abs=0.02)  # pruned and rounded weights
    assert model.probability("jeg er ensom") > 0.5 > model.probability("vi har det sjovt")


@pytest.mark.parametrize("name, never", [
    ("crisis_tier2.json", {"crisis_heldout_d.tsv", "crisis_heldout_e.tsv"}),
    ("themes.json", {"themes_blind.tsv"}),
])
def test_shipped_models_load_fast_enough_to_matter_and_name_what_they_never_saw(name, never):
    model = load_model(MODELS / name)
    assert model.meta["trained_on"] and model.meta["version"] and model.meta["hyperparameters"]
    assert never <= set(model.meta["never_trained_on"])
    assert not any(n in never for n in model.meta["training_data"])
    assert (MODELS / name).stat().st_size < 4_000_000


def test_no_text_of_a_never_trained_set_is_in_a_training_file():
    """The never-trained sets share only a few everyday lines with the training files, written
    independently the same way ("i want to kill myself"): D 3, E 4, the themes blind set 1 (docs/models.md
    reports the figures with and without them). Copying more of them into training fails here."""
    from engines.training.crisis import CRISIS_SETS, LONELY_SETS

    def texts(name: str) -> set[str]:
        path = DATA / name
        if not path.exists():
            return set()
        return {line.split("\t")[-1].strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")} - {"text"}

    trained = set().union(*(texts(n) for n in CRISIS_SETS + LONELY_SETS + ("themes_labelled.tsv",)))
    for unseen, known in (("crisis_heldout_d.tsv", 3), ("crisis_heldout_e.tsv", 4), ("themes_blind.tsv", 1)):
        assert len(texts(unseen) & trained) <= known, unseen
