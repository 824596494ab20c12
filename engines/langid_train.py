"""Train the Latin-script language model: content/models/langid_train.tsv -> content/models/langid.json.

    python -m engines.langid_train            # write the model (deterministic: same data, same file)
    python -m engines.langid_train --folds 5  # also print cross-validated accuracy on the training lines

Naive Bayes with additive smoothing over each word (counted WORD_WEIGHT times) and its character
1-4-grams. Norwegian and Swedish lines whose every word also occurs in Danish lines are read as Danish
before counting, because that is what engines/langid.py answers for them (Danish first).
Only the training file is read; the evaluation sets in tests/data are never opened here.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

from engines.langid_model import FORMAT, MODEL_PATH, LatinModel, word_features, words_of

TRAIN_PATH = MODEL_PATH.with_name("langid_train.tsv")
VERSION = "2026-12-05.1"
ALPHA = 0.05
# Weights this small change no decision; dropping them keeps the file (and the load) small.
MIN_WEIGHT = 0.01


def read_lines(path: Path = TRAIN_PATH) -> list[tuple[str, str]]:
    """(language, text) for every line of a `lang<TAB>text` file; '#' lines and the header are skipped."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        lang, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected 'lang<TAB>text'")
        rows.append((lang.strip(), text.strip()))
    return rows


def danish_first(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Norwegian and Swedish lines that are all Danish words are labelled Danish."""
    danish = {w for lang, text in rows if lang == "da" for w in words_of(text)}
    return [("da" if lang in ("no", "sv") and set(words_of(text)) <= danish else lang, text)
            for lang, text in rows]


def train(rows: list[tuple[str, str]], alpha: float = ALPHA) -> dict:
    """The model file's content for these lines."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for lang, text in danish_first(rows):
        for w in words_of(text):
            counts[lang].update(word_features(w))
    languages = sorted(counts)
    vocabulary = set().union(*counts.values())
    sizes = {lang: sum(counts[lang].values()) for lang in languages}
    # Every language's counts are scaled to the same total, so a language with fewer training lines
    # does not win on words nobody trained on (its unseen cost would otherwise be lower).
    size = sum(sizes.values()) / len(languages)
    unseen = [math.log(alpha / (size + alpha * len(vocabulary)))] * len(languages)
    features = {}
    for f in sorted(vocabulary):
        # log P(f | lang) - log P(unseen | lang) = log((scaled count + alpha) / alpha)
        row = [round(math.log((counts[lang][f] * size / sizes[lang] + alpha) / alpha), 3) for lang in languages]
        if max(row) >= MIN_WEIGHT:
            features[f] = row
    return {"format": FORMAT, "version": VERSION, "alpha": alpha, "languages": languages,
            "unseen": [round(u, 4) for u in unseen], "prior": [0.0] * len(languages),
            "trained_on": {lang: sum(1 for la, _ in danish_first(rows) if la == lang) for lang in languages},
            "features": features}


def cross_validate(rows: list[tuple[str, str]], folds: int, alpha: float) -> tuple[float, Counter]:
    """Accuracy of engines/langid.py's decision on each fold when trained on the others, and the misses."""
    from engines.langid import decide

    labelled = danish_first(rows)
    right, misses = 0, Counter()
    for k in range(folds):
        model = LatinModel(train([r for i, r in enumerate(rows) if i % folds != k], alpha))
        for lang, text in (r for i, r in enumerate(labelled) if i % folds == k):
            got, _ = decide(model, words_of(text), None, None)
            right += got == lang
            if got != lang:
                misses[(lang, got)] += 1
    return right / len(rows), misses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=TRAIN_PATH)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--alpha", type=float, default=ALPHA)
    parser.add_argument("--folds", type=int, default=0, help="print k-fold accuracy on the training lines")
    args = parser.parse_args(argv)
    rows = read_lines(args.data)
    model = train(rows, args.alpha)
    args.out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} (version {model['version']}, {len(model['features']):,} features, "
          f"lines per language {model['trained_on']})")
    if args.folds:
        accuracy, misses = cross_validate(rows, args.folds, args.alpha)
        print(f"{args.folds}-fold accuracy on {len(rows)} training lines: {100 * accuracy:.1f} %")
        for (want, got), n in misses.most_common():
            print(f"  {want} read as {got}: {n}")


if __name__ == "__main__":
    main(sys.argv[1:])
