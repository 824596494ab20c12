"""Train crisis tier 2: which sets it learns from, the threshold chosen on them, and the data card.

Trained on the development sets of the lexicon (crisis_labelled, heldout A, B, C), the lexicon's near
misses (tests/data/crisis_training_extra.tsv) and ordinary loneliness reflections written for training
(tests/data/themes_training.tsv, all ordinary). NEVER on crisis_heldout_d.tsv or crisis_heldout_e.tsv:
they are the sets nobody tuned on, and `NEVER_SEEN` names them in the artefact.

The threshold is chosen on out-of-fold probabilities of the training texts alone: the highest one at
which at least `TARGET_RECALL` of the crisis texts would reach tier 2 by the model alone.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from engines.training.fit import fit
from engines.training.sets import read_crisis, read_themes_training

CRISIS_SETS = ("crisis_labelled.tsv", "crisis_heldout_a.tsv", "crisis_heldout_b.tsv", "crisis_heldout_c.tsv",
               "crisis_training_extra.tsv")
# Ordinary loneliness reflections, the bulk of what the bot reads: weighted up, so the model learns that
# sadness and loneliness alone are not a crisis (tier 2 must stay rare on them).
LONELY_SETS = ("crisis_training_ordinary.tsv", "themes_training.tsv")
LONELY_WEIGHT = 3.0
NEVER_SEEN = ("crisis_heldout_d.tsv", "crisis_heldout_e.tsv", "themes_labelled.tsv", "themes_blind.tsv",
              "langid_labelled.tsv")
TARGET_RECALL = 0.95


def training_rows(data_dir: Path) -> tuple[list[str], list[frozenset[str]], dict[str, int]]:
    """Texts and labels, the crisis sets first and the ordinary loneliness sets last; rows per file."""
    texts: list[str] = []
    labels: list[frozenset[str]] = []
    counts: dict[str, int] = {}
    for name in CRISIS_SETS + LONELY_SETS:
        path = data_dir / name
        rows = read_crisis(path) if name.startswith("crisis") else \
            [("ordinary", lang, text) for _a, _g, lang, text in read_themes_training(path)]
        counts[name] = len(rows)
        for label, _lang, text in rows:
            texts.append(text)
            labels.append(frozenset({"crisis"}) if label == "crisis" else frozenset())
    return texts, labels, counts


def choose_threshold(probs: list[float], positive: list[bool], target: float = TARGET_RECALL) -> float:
    """The highest threshold at which `target` of the positives score at or above it."""
    scores = sorted((p for p, pos in zip(probs, positive) if pos), reverse=True)
    if not scores:
        raise ValueError("no crisis texts to choose a threshold on")
    k = max(1, -(-int(target * 1000) * len(scores) // 1000))  # ceil(target * n)
    return round(scores[min(k, len(scores)) - 1], 4)


def train(data_dir: Path, trained_on: date, version: str | None = None) -> tuple[dict, dict]:
    """(artefact dict, report): the fitted model with its data card, and its out-of-fold figures."""
    texts, labels, counts = training_rows(data_dir)
    ordinary_start = sum(counts[n] for n in CRISIS_SETS)
    weights = [1.0] * ordinary_start + [LONELY_WEIGHT] * (len(texts) - ordinary_start)
    fitted = fit(texts, labels, ["crisis"], sample_weight=weights)
    positive = ["crisis" in label for label in labels]
    probs = fitted.oof["crisis"]
    threshold = choose_threshold(probs, positive)
    lonely = probs[ordinary_start:]
    near = [p for p, pos in zip(probs[:ordinary_start], positive) if not pos]
    report = {
        "threshold": threshold,
        "oof_recall": sum(p >= threshold for p, pos in zip(probs, positive) if pos) / sum(positive),
        "oof_flagged_near_misses": sum(p >= threshold for p in near) / len(near),
        "oof_flagged_loneliness": sum(p >= threshold for p in lonely) / max(1, len(lonely)),
        "C": fitted.chosen_c["crisis"],
        "lonely_weight": LONELY_WEIGHT,
    }
    data = {
        "format": fitted.data["format"], "name": "crisis_tier2",
        "version": version or f"{trained_on.isoformat()}.1", "trained_on": trained_on.isoformat(),
        "purpose": "crisis tier 2: a warm signpost line in the receipt for distress that is not explicit",
        "training_data": counts, "never_trained_on": list(NEVER_SEEN),
        "threshold_rule": f"highest out-of-fold probability giving >= {TARGET_RECALL:.0%} recall of "
                          "crisis training texts (cross-validation on training data only)",
        "out_of_fold": {k: round(v, 4) for k, v in report.items()},
        "thresholds": {"crisis": threshold},
        **{k: v for k, v in fitted.data.items() if k != "format"},
    }
    return data, report
