"""Benchmark: the conversation's opinion-group analysis (insights/conversation.py) on a large sparse matrix.

Run:  python -m bench.conversation [--people 100000] [--statements 1000] [--votes 2000000]

Votes are drawn with planted opinion groups (4 groups, each leaning its own way on every statement, with
passes), scattered so each person votes on a different handful; then `analyse` is timed: centring, 2
components, projection, 100 base clusters, k = 2..5 by silhouette, representative statements and
consensus. Memory: the process's peak resident set (includes Python, numpy, scikit-learn and the votes
themselves). Bars: ≤ 60 s and ≤ 1 GB at 100,000 x 1,000 with 2M votes.
"""
from __future__ import annotations

import argparse
import platform
import resource
import shlex
import sys
import time

import numpy as np

from insights.conversation import Votes, analyse

GROUPS = 4


def synthetic(people: int, statements: int, votes: int, seed: int = 1) -> tuple[Votes, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, GROUPS, people)
    lean = rng.choice([-1, 1], size=(GROUPS, statements))
    # Duplicates (the same person and statement drawn twice) are dropped: one vote a pair.
    rows = rng.integers(0, people, votes)
    cols = rng.integers(0, statements, votes)
    pairs = np.unique(rows.astype(np.int64) * statements + cols)
    rows, cols = pairs // statements, pairs % statements
    u = rng.random(len(rows))
    follow = lean[group[rows], cols]
    values = np.where(u < 0.7, follow, np.where(u < 0.85, 0, -follow)).astype(np.int8)
    return Votes(rows, cols, values, people, statements), group


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--statements", type=int, default=1_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    args = parser.parse_args(argv)
    votes, truth = synthetic(args.people, args.statements, args.votes)
    started = time.perf_counter()
    result = analyse(votes)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if result is None:
        raise SystemExit("too few people or statements to analyse")
    from sklearn.metrics import adjusted_rand_score

    ari = adjusted_rand_score(truth[result.included], result.labels)
    figures = {"people": args.people, "statements": args.statements, "votes": len(votes.rows),
               "included": len(result.included), "groups": result.k, "seconds": round(seconds, 2),
               "peak_rss_mb": round(peak_mb), "ari": round(float(ari), 3)}
    print(f"conversation analysis: {figures['people']:,} people x {figures['statements']:,} statements, "
          f"{figures['votes']:,} votes ({figures['included']:,} included): {seconds:.2f} s, peak RSS {peak_mb:.0f} MB"
          f"   (bars ≤ 60 s, ≤ 1 GB at 100,000 x 1,000 / 2M)")
    print(f"groups found: {result.k} (planted {GROUPS}), adjusted Rand index {ari:.3f}")
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    print("command: python -m bench.conversation " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])))
    return figures


if __name__ == "__main__":
    main()
