"""Benchmark: `samtale report --year 2026` over 1,000,000 reflections — wall time and peak memory.

Run:  python -m bench.report [--reflections 1000000] [--participants 50000] [--db PATH] [--reuse] [--out FILE]
Generates the reflections with bench.analytics (the same data as the digest and export benchmarks),
then runs the real command in a child process — `python -m bot.cli report --year 2026 --out …` — and
reports its wall time, CPU time and peak resident memory (getrusage of the child), and the size of
the page. The bar (issue 15): at most 10 s and 300 MB for 1M reflections.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

from bench import machine
from bench.analytics import add_data_args, generate

BAR_SECONDS, BAR_MB = 10.0, 300.0


def run_report(db: str, out: str) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, the command's progress and result lines) of one report."""
    env = {**os.environ, "SAMTALE_DATABASE_URL": f"sqlite:///{db}"}
    cmd = [sys.executable, "-m", "bot.cli", "report", "--year", "2026", "--out", out]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"report failed ({done.returncode}):\n{done.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_kb = max(usage.ru_maxrss, before)
    return took, usage.ru_utime + usage.ru_stime - cpu_before, peak_kb / 1024, (done.stderr + done.stdout).strip()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_args(parser)
    parser.add_argument("--out", default=None, help="The report (default: next to the database)")
    args = parser.parse_args(argv)
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="samtale-bench-report-"), "bench.db")
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(db)), "report.html")
    print(f"command: python -m bench.report --reflections {args.reflections} --participants {args.participants}"
          + (f" --db {args.db}" if args.db else "") + (" --reuse" if args.reuse else ""))
    print(f"{machine()}, SQLite file {db}")
    if not args.reuse:
        gen = generate(f"sqlite:///{db}", args.reflections, args.participants)
        print(f"generation: {args.reflections:,} reflections, {args.participants:,} participants in {gen:.1f} s")
    seconds, cpu, peak_mb, said = run_report(db, out)
    load = os.getloadavg()[0]
    size_kb = os.path.getsize(out) / 1024
    print(said)
    print(f"report 2026: {seconds:.1f} s wall (process start included), {cpu:.1f} s CPU, peak RSS {peak_mb:.0f} MB, "
          f"page {size_kb:.0f} KB (load average {load:.1f} on {os.cpu_count()} cpus)")
    if args.reflections >= 1_000_000:
        ok = seconds <= BAR_SECONDS and peak_mb <= BAR_MB
        print(f"bar (≤ {BAR_SECONDS:.0f} s, ≤ {BAR_MB:.0f} MB for 1M reflections): {'met' if ok else 'NOT met'}")
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "page_kb": size_kb}


if __name__ == "__main__":
    main(sys.argv[1:])
