"""Train the themes model: the five areas (and "andet") and the target groups, with its data card.

Areas learn from the `dev` split of tests/data/themes_labelled.tsv (the split the lexicon was built on)
and tests/data/themes_training.tsv (written for training); target groups from themes_training.tsv, the
only file with group labels. NEVER from the `holdout` and `blind` splits of themes_labelled.tsv or from
tests/data/themes_blind.tsv: they are for evaluation (`samtale themes evaluate`), and `NEVER_SEEN`
names them in the artefact.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from engines.textmodel import FORMAT
from engines.training.fit import fit
from engines.training.sets import read_themes_training

AREAS = ("hjem", "uddannelse", "fritid", "arbejde", "sundhed", "andet")
GROUPS = ("born", "unge", "voksne", "aeldre", "-")
GROUP_PREFIX = "group:"
LABELLED = "themes_labelled.tsv"
TRAINING = "themes_training.tsv"
NEVER_SEEN = ("themes_labelled.tsv (splits holdout and blind)", "themes_blind.tsv",
              "crisis_heldout_d.tsv", "crisis_heldout_e.tsv")


def _labelled_dev(path: Path) -> list[tuple[tuple[str, ...], str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("areas\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 4:
            raise ValueError(f"{path}:{n}: expected 4 tab-separated columns, got {len(parts)}")
        if parts[1] == "dev":  # only the training split; holdout and blind stay unseen
            rows.append((tuple(a.strip() for a in parts[0].split(",")), parts[3]))
    return rows


def training_rows(data_dir: Path):
    """(area rows, group rows, counts): area rows (areas, text); group rows (group, text)."""
    dev = _labelled_dev(data_dir / LABELLED)
    extra = read_themes_training(data_dir / TRAINING)
    area_rows = dev + [(areas, text) for areas, _g, _l, text in extra]
    group_rows = [(group, text) for _a, group, _l, text in extra]
    for group, _text in group_rows:
        if group not in GROUPS:
            raise ValueError(f"{data_dir / TRAINING}: unknown group {group!r}; use one of {GROUPS}")
    counts = {f"{LABELLED} (split dev)": len(dev), TRAINING: len(extra)}
    return area_rows, group_rows, counts


def train(data_dir: Path, trained_on: date, version: str | None = None) -> tuple[dict, dict]:
    """(artefact dict, report of out-of-fold accuracy) for areas and groups in one artefact."""
    area_rows, group_rows, counts = training_rows(data_dir)
    areas = fit([t for _, t in area_rows], [frozenset(a) for a, _ in area_rows], AREAS)
    group_classes = [GROUP_PREFIX + g for g in GROUPS]
    groups = fit([t for _, t in group_rows], [frozenset({GROUP_PREFIX + g}) for g, _ in group_rows],
                 group_classes)

    def oof_top(fitted, classes, gold) -> float:
        right = 0
        for i, wanted in enumerate(gold):
            best = max(classes, key=lambda c: fitted.oof[c][i])
            right += best in wanted
        return right / len(gold)

    report = {
        "oof_top_area_in_labels": oof_top(areas, AREAS, [set(a) for a, _ in area_rows]),
        "oof_group": oof_top(groups, group_classes, [{GROUP_PREFIX + g} for g, _ in group_rows]),
    }
    data = {
        "format": FORMAT, "name": "themes", "version": version or f"{trained_on.isoformat()}.1",
        "trained_on": trained_on.isoformat(),
        "purpose": "the strategy area(s) of a reflection and the target group it is about, beside the lexicons",
        "training_data": counts, "never_trained_on": list(NEVER_SEEN),
        "out_of_fold": {k: round(v, 4) for k, v in report.items()},
        "classes": list(AREAS) + group_classes,
        "intercepts": {**areas.data["intercepts"], **groups.data["intercepts"]},
        "calibration": {**areas.data["calibration"], **groups.data["calibration"]},
        "hyperparameters": {"areas": areas.data["hyperparameters"], "groups": groups.data["hyperparameters"]},
        "weights": {**areas.data["weights"], **groups.data["weights"]},
    }
    return data, report
