"""The benchmark suite: `python -m bench` runs every benchmark and prints one table of figures and bars.

    python -m bench [--quick] [--only NAME …] [--skip NAME …] [--no-save] [--compare FILE]

Each benchmark runs in its own child process (`python -m bench --one NAME -- ARGS`, which calls the
module's `main(argv)` and hands its figures back as JSON), so one cannot warm the caches or fill the
memory of the next; its own output is shown as it goes. Then one table — figure, value, bar, pass or
fail — and the machine it ran on. Each benchmark also runs alone: `python -m bench.<name> --help`.

`--quick` runs small sizes (a few minutes): bars that are defined at a size (1M reflections) are
then shown but not judged. The 1M-reflection database is generated once per run (by the analytics
benchmark) and reused by the export benchmark. A run's figures are written to
bench/results/<date>-<git short hash>[-quick].json; commit that file when a figure changes.
Benchmarks never run in the test suite; tests/test_bench_smoke.py only starts each at a tiny size.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import platform
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench.compare import load, newest, table, warnings
from bench.pgdb import PG_ADMIN

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
ONE_MILLION = 1_000_000


@dataclass
class Row:
    figure: str
    value: str
    bar: str = ""
    passed: bool | None = None  # None: information, or a bar not judged at this size

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "—" if not self.bar else "n/a"
        return "pass" if self.passed else "FAIL"


@dataclass
class Bench:
    name: str
    module: str
    full: list[str]
    quick: list[str]


def benches(tmp: str, quick: bool, postgres: bool) -> list[Bench]:
    n = 100_000 if quick else ONE_MILLION
    people = 5_000 if quick else 50_000
    db = os.path.join(tmp, f"reflections-{n}.db")
    both = "both" if postgres else "sqlite"
    return [
        Bench("ingest", "bench.ingest", ["--db", both], ["--db", both, "--people", "100", "--each", "5"]),
        Bench("telegram", "bench.telegram_throughput", [], ["--citizens", "100", "--messages", "2", "--rounds", "1"]),
        Bench("telegram_faults", "bench.telegram_faults", [], []),
        Bench("broadcast", "bench.broadcast", [], ["--recipients", "1000"]),
        Bench("langid", "bench.langid", [], ["--repeat", "5"]),
        Bench("engines", "bench.engines", [], ["--repeat", "2"]),
        Bench("analytics", "bench.analytics", ["--reflections", str(n), "--participants", str(people), "--db", db],
              ["--reflections", str(n), "--participants", str(people), "--db", db]),
        # The same database as analytics (generated there, once): --reuse.
        Bench("export", "bench.export",
              ["--reflections", str(n), "--participants", str(people), "--db", db, "--reuse"],
              ["--reflections", str(n), "--participants", str(people), "--db", db, "--reuse"]),
        Bench("report", "bench.report",
              ["--reflections", str(n), "--participants", str(people), "--db", db, "--reuse"],
              ["--reflections", str(n), "--participants", str(people), "--db", db, "--reuse"]),
        Bench("scaling", "bench.scaling", ["--db", both],
              ["--db", both, "--sizes", "10000", "30000", "100000", "--repeat", "2"]),
        Bench("footprint", "bench.footprint", [], ["--starts", "3", "--idle", "3"]),
        Bench("first_reply", "bench.first_reply", [], ["--starts", "3"]),
        Bench("conversation_ingest", "bench.conversation_ingest", ["--db", both], ["--db", both, "--people", "100"]),
        Bench("conversation", "bench.conversation", [], ["--people", "10000", "--statements", "300", "--votes", "200000"]),
        Bench("checkins", "bench.checkins", ["--db", both, "--checkins", str(ONE_MILLION)],
              ["--db", both, "--people", "200", "--checkins", str(n)]),
    ]


# -- figures → table rows ---------------------------------------------------------------------------------

def _num(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def rows_for(name: str, f, argv: list[str]) -> list[Row]:  # noqa: ANN001, C901 - one small case per benchmark
    if name == "ingest":
        bar = {"sqlite": 5000, "postgres": 4000}  # issue 23
        return [Row(f"core ingest, {r['db']}" + (f" (synchronous={r['synchronous']})" if r["db"] == "sqlite" else ""),
                    f"{_num(r['per_second'])} reflections/s" + (f" ({_num(r['per_cpu_second'])}/CPU-s)"
                                                                 if "per_cpu_second" in r else ""),
                    f"≥ {_num(bar[r['db']])}/s", r["per_second"] >= bar[r["db"]]) for r in f]
    if name == "telegram":
        out = []
        for bot, ratio in f["ratio"].items():
            out.append(Row(f"telegram: {bot} ÷ bare PTB echo", f"{ratio:.2f}× ({_num(f['rates'][bot])} updates/s)",
                           "≥ 0.8×", ratio >= 0.8))
        for bot, ratio in f["ratio_like_for_like"].items():
            out.append(Row(f"telegram: {bot} ÷ fastest echo shape (info)", f"{ratio:.2f}×"))
        return out
    if name == "telegram_faults":
        answered = f["unfaulted_answered"] == f["unfaulted"]
        crisis = f"{f['crisis_reply_s']:.3f} s" if f["crisis_reply_s"] is not None else "none"
        return [Row(f"telegram faults: receipts with no fault, p95 ({f['limited']} chats under 429 retry_after "
                    f"{f['retry_after']}, {f['failing']} failing once)",
                    f"{f['unfaulted_p95_s']:.3f} s (p50 {f['unfaulted_p50_s']:.3f}, max {f['unfaulted_max_s']:.3f})"
                    + ("" if answered else f", {f['unfaulted_answered']}/{f['unfaulted']} answered"),
                    "≤ 0.5 s", answered and f["unfaulted_p95_s"] <= 0.5),
                Row("telegram faults: faulted chats answered exactly once after their wait",
                    f"{f['faulted_once_after_wait']}/{f['faulted']}", "all",
                    f["faulted_once_after_wait"] == f["faulted"]),
                Row("telegram faults: a crisis reply during the faults (info)", crisis)]
    if name == "broadcast":
        return [
            Row(f"broadcast: achieved ÷ allowed ({_num(f['recipients'])} at {f['rate']:g}/s)", f"{f['ratio']:.3f}",
                "≥ 0.95", f["ratio"] >= 0.95),
            Row("broadcast: duplicates", str(f["duplicates"]), "0", f["duplicates"] == 0),
            Row("broadcast: lost", str(f["losses"]), "0", f["losses"] == 0),
        ]
    if name == "langid":
        out = [Row("langid: accuracy, labelled set", f"{100 * f['accuracy']:.1f} %", "≥ 99 %", f["accuracy"] >= 0.99),
               Row("langid: accuracy, labelled holdout, short texts", f"{100 * f['holdout']['short']:.1f} %",
                   "≥ 99 %", f["holdout"]["short"] >= 0.99)]
        if "langid_blind" in f:
            # The bar is on the blind set; judged in the full run (the quick run is a smoke test).
            blind = f["langid_blind"]["short"]
            out.append(Row("langid: accuracy, blind short texts (da no sv ar tr pl uk de en)",
                           f"{100 * blind:.1f} %", "≥ 99 %", blind >= 0.99 if not argv else None))
        return out + [
            Row("langid: throughput (CPU, words seen before)", f"{_num(f['rate'])} texts/s", "≥ 20,000/s",
                f["rate"] >= 20_000),
            Row("langid: throughput (CPU, first sight of every word) (info)", f"{_num(f['cold_rate'])} texts/s")]
    if name == "engines":
        return [Row("crisis check: throughput (60-character texts, CPU)", f"{_num(f['crisis_rate'])} texts/s",
                    "≥ 20,000/s", f["crisis_rate"] >= 20_000),
                Row("crisis check: slowest huge input (200,000 characters)", f"{f['crisis_huge_s']:.2f} s", "≤ 3 s",
                    f["crisis_huge_s"] <= 3),
                Row("crisis tiers 1 + 2: throughput (60-character texts, CPU)",
                    f"{_num(f['crisis_tiers_rate'])} texts/s", "≥ 20,000/s", f["crisis_tiers_rate"] >= 20_000),
                Row("crisis tier-2 model: load", f"{f['crisis_model_load_s']:.3f} s", "≤ 0.3 s",
                    f["crisis_model_load_s"] <= 0.3),
                Row("themes (lexicon + model): throughput (CPU, info)", f"{_num(f['themes_rate'])} texts/s"),
                Row("themes model: load", f"{f['themes_model_load_s']:.3f} s", "≤ 0.3 s",
                    f["themes_model_load_s"] <= 0.3),
                Row("scrub: throughput (CPU)", f"{_num(f['scrub_rate'])} texts/s"),
                Row("scrub: slowest huge input (210,000 characters)", f"{f['scrub_huge_s']:.2f} s", "≤ 3 s",
                    f["scrub_huge_s"] <= 3)]
    if name == "analytics":
        n = int(argv[argv.index("--reflections") + 1])
        at_size = n >= ONE_MILLION
        out = [Row(f"analytics: weekly digest 2026-W48 over {_num(n)}", f"{f['2026-W48']:.2f} s", "≤ 10 s (1M)",
                   f["2026-W48"] <= 10 if at_size else None),
               Row(f"analytics: yearly digest 2026 over {_num(n)} (info)", f"{f['2026']:.1f} s")]
        if "cpu" in f:
            out[0].value += f" ({f['cpu']['2026-W48']:.2f} s CPU)"
            out[1].value += f" ({f['cpu']['2026']:.1f} s CPU)"
        return out
    if name == "export":
        n = int(argv[argv.index("--reflections") + 1])
        at_size = n >= ONE_MILLION
        return [Row(f"export: {_num(n)} reflections to CSV, time", f"{f['seconds']:.1f} s ({f['cpu']:.1f} s CPU)",
                    "≤ 10 s (1M)", f["seconds"] <= 10 if at_size else None),
                Row(f"export: {_num(n)} reflections to CSV, peak memory", f"{f['peak_mb']:.0f} MB", "≤ 150 MB (1M)",
                    f["peak_mb"] <= 150 if at_size else None)]
    if name == "report":
        n = int(argv[argv.index("--reflections") + 1])
        at_size = n >= ONE_MILLION
        return [Row(f"report: year 2026 over {_num(n)} reflections, time", f"{f['seconds']:.1f} s ({f['cpu']:.1f} s CPU)",
                    "≤ 10 s (1M)", f["seconds"] <= 10 if at_size else None),
                Row(f"report: year 2026 over {_num(n)} reflections, peak memory", f"{f['peak_mb']:.0f} MB",
                    "≤ 300 MB (1M)", f["peak_mb"] <= 300 if at_size else None)]
    if name == "scaling":
        out = []
        for r in f:
            first, last = r["steps"][0], r["steps"][-1]
            span = f"{_num(last['stored'])} ÷ {_num(first['stored'])} stored"
            out.append(Row(f"scaling {r['db']}: ingest per item, {span}", f"{r['ingest_ratio']:.2f}",
                           "≤ 1.5", r["ingest_ratio"] <= 1.5))
            out.append(Row(f"scaling {r['db']}: weekly digest per item, {span}", f"{r['digest_ratio']:.2f}",
                           "≤ 1.5", r["digest_ratio"] <= 1.5))
        return out
    if name == "footprint":
        cpu = f" ({f['cold_start_cpu_s']:.2f} s CPU)" if f.get("cold_start_cpu_s") is not None else ""
        return [Row("footprint: console cold start to first reply", f"{f['cold_start_s']:.2f} s{cpu}", "≤ 1 s",
                    f["cold_start_s"] <= 1),
                Row("footprint: first start, fresh database (info)", f"{f['first_start_s']:.2f} s"),
                Row("footprint: idle RSS", f"{f['idle_rss_mb']:.0f} MB (peak {f['peak_rss_mb']:.0f} MB)", "≤ 150 MB",
                    f["idle_rss_mb"] <= 150)]
    if name == "first_reply":
        return [Row("first reply after start (console, lexicon prepared)", f"{f['first_reply_s']:.3f} s", "≤ 0.5 s",
                    f["first_reply_s"] <= 0.5),
                Row("first reply after start, empty cache (info)", f"{f['first_reply_uncached_s']:.2f} s")]
    if name == "checkins":
        out = [Row(f"check-in ingest, {r['db']}: answers through the dispatcher",
                   f"{_num(r['messages_per_second'])} answers/s ({_num(r['per_second'])} check-ins/s)", "≥ 2,000/s",
                   r["messages_per_second"] >= 2000) for r in f["ingest"]]
        g = f["figures"]
        return out + [Row(f"check-in figures over {_num(g['checkins'])} check-ins", f"{g['seconds']:.2f} s",
                          "≤ 5 s (1M)", g["seconds"] <= 5 if g["checkins"] >= ONE_MILLION else None)]
    if name == "conversation_ingest":
        return [Row(f"vote ingest, {r['db']}: presses through the dispatcher", f"{_num(r['per_second'])} votes/s",
                    "≥ 2,000/s", r["per_second"] >= 2000) for r in f["ingest"]]
    if name == "conversation":
        full = f["people"] >= 100_000 and f["statements"] >= 1_000 and f["votes"] >= 1_900_000
        size = f"{_num(f['people'])} x {_num(f['statements'])}, {_num(f['votes'])} votes"
        return [Row(f"opinion groups over {size}", f"{f['seconds']:.2f} s", "≤ 60 s (100k x 1k, 2M)",
                    f["seconds"] <= 60 if full else None),
                Row("opinion groups: peak RSS", f"{f['peak_rss_mb']} MB", "≤ 1 GB", f["peak_rss_mb"] <= 1024 if full else None)]
    return [Row(name, json.dumps(f)[:60])]


# -- the machine -------------------------------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def postgres_version() -> str | None:
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as c:
                return c.execute(text("SHOW server_version")).scalar()
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - no PostgreSQL: its benchmarks are skipped
        return None


def _git() -> tuple[str, bool]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return "nogit", False


def machine(pg: str | None) -> dict:
    ram = _ram_gb()
    return {
        "cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gb": round(ram, 1) if ram else None,
        "os": platform.platform(), "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version, "postgresql": pg or "unavailable",
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


# -- running -----------------------------------------------------------------------------------------------

def run_one(name: str, argv: list[str], out: str) -> None:
    """In the child: call bench.<module>.main(argv) and write what it returns as JSON."""
    module = importlib.import_module(name)
    result = module.main(argv)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    Path(out).write_text(json.dumps(result, default=str))


def run_child(b: Bench, argv: list[str], tmp: str) -> tuple[object | None, float, str | None]:
    out = os.path.join(tmp, f"{b.name}.json")
    cmd = [sys.executable, "-m", "bench", "--one", b.module, "--out", out, "--", *argv]
    print(f"\n=== {b.name}: python -m {b.module} {shlex.join(argv)}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    took = time.perf_counter() - started
    if done.returncode != 0 or not os.path.exists(out):
        return None, took, f"exit status {done.returncode}"
    return json.loads(Path(out).read_text()), took, None


def save(result: dict, quick: bool) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = f"{result['date'][:10]}-{result['git']['commit']}" + ("-quick" if quick else "")
    path = RESULTS / f"{stem}.json"
    n = 2
    while path.exists():
        path = RESULTS / f"{stem}-{n}.json"
        n += 1
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--one"]:  # the child side of run_child
        parser = argparse.ArgumentParser(prog="python -m bench --one")
        parser.add_argument("--one", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("rest", nargs=argparse.REMAINDER)
        args = parser.parse_args(argv)
        rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
        run_one(args.one, rest, args.out)
        return 0

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; bars defined at 1M are not judged")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--skip", nargs="+", metavar="NAME", default=[], help="leave these out")
    parser.add_argument("--no-save", action="store_true", help=f"do not write a JSON to {RESULTS.relative_to(ROOT)}/")
    parser.add_argument("--compare", type=Path, help="a results JSON to show beside (default: the newest of this size)")
    args = parser.parse_args(argv)

    previous_path = args.compare or newest(RESULTS, args.quick)
    previous = load(previous_path)
    pg = postgres_version()
    info = machine(pg)
    print(f"load average at start: {info['load_average_at_start']} on {info['cores']} cores", flush=True)
    commit, dirty = _git()
    started = time.perf_counter()
    date = datetime.now(timezone.utc)
    tmp = tempfile.mkdtemp(prefix="samtale-bench-suite-")
    rows: list[Row] = []
    raw: dict[str, object] = {}
    durations: dict[str, float] = {}
    try:
        chosen = benches(tmp, args.quick, pg is not None)
        known = {b.name for b in chosen}
        for wanted in (args.only or []) + args.skip:
            if wanted not in known:
                parser.error(f"unknown benchmark {wanted!r}; choose from {', '.join(sorted(known))}")
        for b in chosen:
            if (args.only and b.name not in args.only) or b.name in args.skip:
                continue
            bench_argv = b.quick if args.quick else b.full
            if b.name in ("export", "report") and not os.path.exists(bench_argv[bench_argv.index("--db") + 1]):
                bench_argv = [a for a in bench_argv if a != "--reuse"]  # no database from analytics: make one
            figures, took, error = run_child(b, bench_argv, tmp)
            durations[b.name] = round(took, 1)
            if error:
                rows.append(Row(f"{b.name}: did not finish", error, "", False))
                continue
            raw[b.name] = figures
            try:
                rows.extend(rows_for(b.name, figures, bench_argv))
            except (KeyError, TypeError, ValueError) as exc:
                rows.append(Row(f"{b.name}: figures not understood", repr(exc)[:60], "", False))
        if pg is None:
            rows.append(Row("PostgreSQL benchmarks", "skipped: no server at 127.0.0.1:5432", "", None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    total = time.perf_counter() - started
    info["load_average_at_end"] = round(os.getloadavg()[0], 2)
    print("\n" + "=" * 100)
    print(f"Samtale benchmarks — {date:%Y-%m-%d %H:%M} UTC, git {commit}{' (uncommitted changes)' if dirty else ''}"
          f"{', --quick sizes' if args.quick else ''}, {total / 60:.1f} min")
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM; {info['os']}")
    print(f"         {info['python']}, SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}; "
          f"load average {info['load_average_at_start']} at start, {info['load_average_at_end']} at end")
    if previous is not None and previous_path is not None:
        print(f"previous: {previous_path.relative_to(ROOT) if previous_path.is_relative_to(ROOT) else previous_path}"
              f" ({previous.get('date', '?')}, git {previous.get('git', {}).get('commit', '?')})")
        for line in warnings(info, previous, previous_path):
            print(line)
    print()
    print(table(rows, previous))
    failed = [r for r in rows if r.passed is False]
    print(f"\n{sum(r.passed is True for r in rows)} bars met, {len(failed)} not met"
          + (f": {', '.join(r.figure for r in failed)}" if failed else ""))
    result = {
        "date": date.isoformat(timespec="seconds"), "git": {"commit": commit, "dirty": dirty},
        "command": "python -m bench " + shlex.join(argv), "quick": args.quick, "machine": info,
        "duration_s": round(total, 1), "durations_s": durations,
        "figures": [{**asdict(r), "verdict": r.verdict} for r in rows], "raw": raw,
    }
    if not args.no_save:
        print(f"figures written to {save(result, args.quick).relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
