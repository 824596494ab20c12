"""Fit a one-vs-rest logistic regression over engines/textmodel.py's features, calibrated, as an artefact.

Needs scikit-learn (`pip install -e '.[train]'`), imported here only. Per class: the regularisation C is
chosen by stratified cross-validation on the training texts alone (log loss); the out-of-fold scores
of the chosen C give the Platt calibration (a, b) and the out-of-fold probabilities that callers use
to choose thresholds, so no threshold is ever chosen on a text the model was fitted on.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

from engines.textmodel import FORMAT, features

CS = (1.0, 3.0, 10.0, 30.0)
FOLDS = 5
SEED = 20261205
PRUNE_BELOW = 0.002  # weights smaller than this change no decision; dropped to keep the artefact small
MAX_FEATURES_PER_CLASS = 40_000


def _out_of_fold(model, x, y, cv, sw):  # noqa: ANN001 - scikit-learn objects
    """Each text's decision score from a model fitted on the other folds."""
    import numpy as np

    out = np.zeros(len(y))
    for train, test in cv.split(x, y):
        model.fit(x[train], y[train], sample_weight=None if sw is None else sw[train])
        out[test] = model.decision_function(x[test])
    return out


@dataclass
class Fitted:
    """The artefact's dict (without name, version and data card) and out-of-fold probabilities per class."""

    data: dict
    oof: dict[str, list[float]]  # class -> probability of each training text, from a model that never saw it
    chosen_c: dict[str, float]


def _require_sklearn() -> None:
    if importlib.util.find_spec("sklearn") is None:
        raise RuntimeError("training needs scikit-learn: pip install -e '.[train]'")


def fit(texts: Sequence[str], labels: Sequence[frozenset[str]], classes: Sequence[str], *,
        cs: Sequence[float] = CS, folds: int = FOLDS, seed: int = SEED,
        sample_weight: Sequence[float] | None = None) -> Fitted:
    """One calibrated binary model per class (a text is positive for every class in its label set)."""
    _require_sklearn()
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    vec = DictVectorizer(sparse=True)
    x = vec.fit_transform([features(t) for t in texts])
    names = vec.get_feature_names_out()
    data = {"format": FORMAT, "classes": list(classes), "intercepts": {}, "calibration": {}, "weights": {}}
    oof: dict[str, list[float]] = {}
    chosen: dict[str, float] = {}
    for cls in classes:
        y = np.array([cls in label for label in labels], dtype=int)
        positives = int(y.sum())
        if positives < folds or len(y) - positives < folds:
            raise ValueError(f"class {cls!r}: {positives} positive texts of {len(y)}; need {folds} of each")
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)

        def model(c: float) -> LogisticRegression:
            return LogisticRegression(C=c, class_weight="balanced", max_iter=3000)

        best = None
        for c in cs:
            scores = _out_of_fold(model(c), x, y, cv, sw)
            # Log loss of the out-of-fold scores after their own Platt fit: how well C ranks and separates.
            platt = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), y)  # unweighted: true frequencies
            p = np.clip(platt.predict_proba(scores.reshape(-1, 1))[:, 1], 1e-9, 1 - 1e-9)
            loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
            if best is None or loss < best[0]:
                best = (loss, c, scores, platt, p)
        _loss, c, _scores, platt, p = best
        final = model(c).fit(x, y, sample_weight=sw)
        w = final.coef_[0]
        keep = np.flatnonzero(np.abs(w) >= PRUNE_BELOW)
        if len(keep) > MAX_FEATURES_PER_CLASS:
            keep = keep[np.argsort(-np.abs(w[keep]))[:MAX_FEATURES_PER_CLASS]]
        data["weights"][cls] = {str(names[i]): round(float(w[i]), 5) for i in keep}
        data["intercepts"][cls] = round(float(final.intercept_[0]), 6)
        data["calibration"][cls] = [round(float(platt.coef_[0][0]), 6), round(float(platt.intercept_[0]), 6)]
        oof[cls] = [float(v) for v in p]
        chosen[cls] = c
    data["hyperparameters"] = {
        "model": "LogisticRegression one-vs-rest (scikit-learn), class_weight=balanced, L2",
        "C_grid": list(cs), "C_chosen": chosen, "cv_folds": folds, "cv_seed": seed,
        "calibration": "Platt scaling on out-of-fold scores of the chosen C",
        "features": "folded words, word pairs, 3-5-letter pieces of each word; count / sqrt(total)",
        "pruned_below": PRUNE_BELOW, "max_features_per_class": MAX_FEATURES_PER_CLASS,
    }
    return Fitted(data, oof, chosen)
