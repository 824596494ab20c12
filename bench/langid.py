"""Benchmark: accuracy and speed of engines/langid.py on tests/data/langid_labelled.tsv.

Run:  python -m bench.langid [--repeat N]
Prints accuracy (all rows, rows without context, dev and holdout splits), throughput in texts/s,
how many texts needed langdetect, and the command that made the figures.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from pathlib import Path

from engines.langid import explain_language

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "langid_labelled.tsv"


def load_rows(path: Path = DATA) -> list[tuple[str, str, str | None, str | None, str]]:
    """(lang, split, chosen, hint, text) for every labelled row."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("lang\t"):
            continue
        lang, split, chosen, hint, text = line.split("\t")
        rows.append((lang, split, None if chosen == "-" else chosen, None if hint == "-" else hint, text))
    return rows


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="passes over the set for the timing")
    args = parser.parse_args(argv)
    rows = load_rows()
    guesses = [explain_language(text, chosen, hint) for _, _, chosen, hint, text in rows]
    right = [g.language == row[0] for g, row in zip(guesses, rows)]

    def acc(select) -> str:
        picked = [ok for ok, row in zip(right, rows) if select(row)]
        return f"{sum(picked)}/{len(picked)} = {100 * sum(picked) / max(1, len(picked)):.1f} %"

    started = time.perf_counter()
    for _ in range(args.repeat):
        for _, _, chosen, hint, text in rows:
            explain_language(text, chosen, hint)
    elapsed = time.perf_counter() - started
    rate = args.repeat * len(rows) / elapsed
    reasons = Counter(g.reason for g in guesses)
    print(f"command: python -m bench.langid --repeat {args.repeat}")
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"texts: {len(rows)} ({Counter(r[0] for r in rows).most_common()})")
    print(f"accuracy, all rows:          {acc(lambda r: True)}")
    print(f"accuracy, no context given:  {acc(lambda r: r[2] is None and r[3] is None)}")
    print(f"accuracy, Danish rows:       {acc(lambda r: r[0] == 'da')}")
    print(f"accuracy, dev split:         {acc(lambda r: r[1] == 'dev')}")
    print(f"accuracy, holdout split:     {acc(lambda r: r[1] == 'holdout')}")
    print(f"decided by: {dict(reasons)}")
    print(f"throughput: {rate:,.0f} texts/s ({args.repeat} passes, {elapsed:.2f} s)")
    for g, row, ok in zip(guesses, rows, right):
        if not ok:
            print(f"  wrong: {row[4]!r} is {row[0]}, got {g.language} ({g.reason} {g.scores})")
    return {"accuracy": sum(right) / len(rows), "rate": rate}


if __name__ == "__main__":
    main(sys.argv[1:])
