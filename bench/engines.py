"""Benchmark: the text engines every message passes through — crisis check (tier 1 alone, and both
tiers) and scrubbing — and the themes a stored reflection gets, on typical 60-character reflections;
how long the model artefacts take to load; and the time on huge or hostile inputs (they must stay linear).

Run:  python -m bench.engines [--repeat N]
Prints texts/s for each engine (CPU time of this process, best of N passes, so other work on a shared
machine counts less), the slowest huge input for each, and the command that made the figures.
"""
from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from engines.crisis import assess, detect_crisis, warm_up
from engines.crisis.tiers import model_path as crisis_model_path
from engines.scrub import scrub
from engines.textmodel import load_model
from engines.themes import load_lexicon
from engines.themes_model import model_path as themes_model_path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
CRISIS_SETS = ("crisis_labelled.tsv", "crisis_heldout_a.tsv", "crisis_heldout_b.tsv", "crisis_heldout_c.tsv")

# Long inputs shaped to make a careless pattern backtrack: repeated words, punctuation, digits, '@'.
CRISIS_HUGE = ("jeg vil ikke " * 20_000, "a." * 100_000, "æ" * 200_000 + " selvmord")
SCRUB_HUGE = ("1" * 200_000, "a." * 100_000, "a@" * 100_000, "@a." * 70_000, "12 " * 70_000)


def _texts(name: str, column: int) -> list[str]:
    """The text column of a labelled TSV set (header skipped), or nothing if the file is not here."""
    path = DATA / name
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[column] for line in lines if line.strip()]


def sixty_char(texts: list[str]) -> list[str]:
    """Every text doubled and cut to about 60 characters (a typical reflection)."""
    return [(t + " " + t)[:60] for t in texts]


def rate(fn, texts: list[str], repeat: int) -> float:  # noqa: ANN001 - an engine: str -> anything
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - started)
    return len(texts) / max(best, 1e-9)


def slowest(fn, inputs: tuple[str, ...]) -> float:  # noqa: ANN001
    worst = 0.0
    for text in inputs:
        started = time.perf_counter()
        fn(text)
        worst = max(worst, time.perf_counter() - started)
    return worst


def load_seconds(path: Path, repeat: int) -> float:
    """The best time to read a model artefact (what a start pays once), in a warm file cache."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        load_model(path)
        best = min(best, time.perf_counter() - started)
    return best


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes over the texts; the best one counts")
    args = parser.parse_args(argv)
    warm_up()  # the lexicon compiles once per process (~1.5 s); not part of a message's cost
    crisis_texts = sixty_char([t for name in CRISIS_SETS for t in _texts(name, 2)]) * 10
    scrub_texts = _texts("scrub_corpus.tsv", 1) * 20
    assess(crisis_texts[0])  # loads the tier-2 model: a start's cost, measured apart below
    lexicon = load_lexicon()
    figures = {
        "crisis_rate": rate(detect_crisis, crisis_texts, args.repeat),
        "crisis_tiers_rate": rate(assess, crisis_texts, args.repeat),
        "crisis_model_load_s": load_seconds(crisis_model_path(), args.repeat),
        "themes_rate": rate(lexicon.area_ids, crisis_texts[:5000], args.repeat),
        "themes_model_load_s": load_seconds(themes_model_path(), args.repeat),
        "crisis_huge_s": slowest(detect_crisis, CRISIS_HUGE),
        "crisis_tiers_huge_s": slowest(assess, CRISIS_HUGE),
        "scrub_rate": rate(scrub, scrub_texts, args.repeat),
        "scrub_huge_s": slowest(scrub, SCRUB_HUGE),
        "crisis_texts": len(crisis_texts),
        "scrub_texts": len(scrub_texts),
    }
    print(f"command: python -m bench.engines --repeat {args.repeat}")
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"crisis check: {figures['crisis_rate']:,.0f} texts/s ({len(crisis_texts)} texts of ~60 characters, "
          f"best of {args.repeat}, CPU time)")
    print(f"crisis tiers (lexicon, then the tier-2 model): {figures['crisis_tiers_rate']:,.0f} texts/s "
          f"(the same texts)")
    print(f"crisis tier-2 model: loads in {figures['crisis_model_load_s']:.3f} s")
    print(f"themes (lexicon + model, what a stored reflection gets): {figures['themes_rate']:,.0f} texts/s; "
          f"model loads in {figures['themes_model_load_s']:.3f} s")
    print(f"crisis check: slowest huge input {figures['crisis_huge_s']:.2f} s (up to 200,000 characters); "
          f"both tiers {figures['crisis_tiers_huge_s']:.2f} s")
    print(f"scrub: {figures['scrub_rate']:,.0f} texts/s ({len(scrub_texts)} texts)")
    print(f"scrub: slowest huge input {figures['scrub_huge_s']:.2f} s (up to 210,000 characters)")
    return figures


if __name__ == "__main__":
    main()
