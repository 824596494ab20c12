"""Benchmark: accuracy and speed of engines/langid.py on the labelled sets in tests/data.

Run:  python -m bench.langid [--repeat N] [--set PATH …]
Prints, per set, accuracy overall, on short texts (2-5 words) and per language, with the confusions;
throughput in texts per CPU-second once every word has been seen (chat repeats its words) and on first
sight of every word; and the command that made the figures.

Sets: tests/data/langid_labelled.tsv (all rows, its dev and holdout splits) and, when present,
tests/data/langid_blind.tsv (`lang<TAB>text`, written by someone who never saw the model).
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from pathlib import Path

from engines.langid import explain_language
from engines.langid_model import MODEL_PATH, load_model
from engines.langid_neighbours import forget_words

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
LABELLED = DATA / "langid_labelled.tsv"
BLIND = DATA / "langid_blind.tsv"

Row = tuple[str, str, str | None, str | None, str]  # lang, split, chosen, hint, text


def load_rows(path: Path = LABELLED) -> list[Row]:
    """(lang, split, chosen, hint, text) for every row; a two-column `lang<TAB>text` file is all 'blind'."""
    rows: list[Row] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        cells = line.split("\t")
        if len(cells) == 2:
            rows.append((cells[0].strip(), "blind", None, None, cells[1]))
            continue
        lang, split, chosen, hint, text = cells
        rows.append((lang, split, None if chosen == "-" else chosen, None if hint == "-" else hint, text))
    return rows


def is_short(text: str) -> bool:
    return 2 <= len(text.split()) <= 5


def _pct(right: int, n: int) -> str:
    return f"{right}/{n} = {100 * right / max(1, n):.1f} %"


def report(name: str, rows: list[Row]) -> dict:
    """Print one set's accuracy (all, short, per language) and confusions; return the figures."""
    got = [explain_language(text, chosen, hint).language for _, _, chosen, hint, text in rows]
    right = [g == r[0] for g, r in zip(got, rows)]
    short = [ok for ok, r in zip(right, rows) if is_short(r[4])]
    print(f"{name}: {len(rows)} texts")
    print(f"  accuracy, all:                 {_pct(sum(right), len(rows))}")
    print(f"  accuracy, short (2-5 words):   {_pct(sum(short), len(short))}")
    print(f"  accuracy, no context given:    "
          f"{_pct(sum(ok for ok, r in zip(right, rows) if r[2] is None and r[3] is None), sum(r[2] is None and r[3] is None for r in rows))}")
    per_lang = {}
    for lang, n in Counter(r[0] for r in rows).most_common():
        ok = sum(k for k, r in zip(right, rows) if r[0] == lang)
        per_lang[lang] = ok / n
        print(f"    {lang}: {_pct(ok, n)}")
    confusions = Counter((r[0], g) for g, r, ok in zip(got, rows, right) if not ok)
    for (want, was), n in confusions.most_common():
        print(f"  confused: {want} read as {was} ×{n}")
    for g, r, ok in zip(got, rows, right):
        if not ok:
            print(f"    wrong: {r[4]!r} is {r[0]}, got {g}")
    return {"accuracy": sum(right) / len(rows), "short": sum(short) / max(1, len(short)), "n": len(rows),
            "per_language": per_lang, "confusions": {f"{a}->{b}": n for (a, b), n in confusions.items()}}


def throughput(rows: list[Row], repeat: int) -> tuple[float, float]:
    """Texts per CPU-second: on first sight of every word (a fresh model), then over `repeat` passes."""
    texts = [(text, chosen, hint) for _, _, chosen, hint, text in rows]
    load_model.cache_clear()
    forget_words()
    load_model()
    started = time.process_time()
    for text, chosen, hint in texts:
        explain_language(text, chosen, hint)
    cold = len(texts) / max(1e-9, time.process_time() - started)
    started = time.process_time()
    for _ in range(repeat):
        for text, chosen, hint in texts:
            explain_language(text, chosen, hint)
    return cold, repeat * len(texts) / max(1e-9, time.process_time() - started)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="passes over the sets for the timing")
    parser.add_argument("--set", type=Path, action="append", default=[], help="another labelled file")
    args = parser.parse_args(argv)
    print(f"command: python -m bench.langid --repeat {args.repeat}"
          + "".join(f" --set {p}" for p in args.set))
    started = time.perf_counter()
    model = load_model()
    print(f"python {platform.python_version()} on {platform.machine()}; model {MODEL_PATH.name} "
          f"version {model.version}, loaded in {time.perf_counter() - started:.3f} s")
    rows = load_rows()
    figures = {"labelled": report("labelled (all)", rows),
               "holdout": report("labelled, holdout split", [r for r in rows if r[1] == "holdout"])}
    everything = list(rows)
    for path in ([BLIND] if BLIND.exists() else []) + args.set:
        extra = load_rows(path)
        figures[path.stem] = report(path.name, extra)
        everything += extra
    cold, warm = throughput(everything, args.repeat)
    reasons = Counter(explain_language(r[4], r[2], r[3]).reason for r in everything)
    print(f"decided by: {dict(reasons)}")
    print(f"throughput: {warm:,.0f} texts per CPU-second once words are seen ({args.repeat} passes over "
          f"{len(everything)} texts); {cold:,.0f} on first sight of every word")
    figures.update({"accuracy": figures["labelled"]["accuracy"], "rate": warm, "cold_rate": cold})
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
