"""Footprint: the console bot's cold start to its first reply, and its resident memory when idle.

Run:  python -m bench.footprint [--starts 5] [--idle 5]

`samtale run --platform console` runs as a child process in an empty folder (no samtale.toml: the
defaults, a SQLite file there), with `/start` piped to it; the clock runs from starting the process
to the first line it prints (the welcome). The first start migrates a fresh database and is shown
apart; the figure is the median of `--starts` starts on the existing database, i.e. a restart. After
the last start the process is left idle (stdin open) for `--idle` seconds and its VmRSS is read from
/proc/<pid>/status (VmHWM, the peak, is shown too). Bars (issues 10, 23): cold start ≤ 1 s, idle RSS ≤ 150 MB. The CPU seconds
the child used by its first line are shown beside the wall time.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import machine

BAR_SECONDS, BAR_MB = 1.0, 150.0  # issue 23: cold start ≤ 1 s


def _command() -> list[str]:
    script = Path(sys.executable).with_name("samtale")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    return [*base, "run", "--platform", "console", "--as", "bench"]


def _status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start(folder: str, idle: float = 0.0) -> tuple[float, str, dict[str, float], float]:
    """(seconds to the first line, that line, memory after `idle` seconds or {}, CPU seconds used by then)
    of one start. On a shared machine the CPU seconds say what the start costs; the wall seconds carry
    the other processes' load too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMTALE_")}
    started = time.perf_counter()
    proc = subprocess.Popen(_command(), cwd=folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"/start\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        took = time.perf_counter() - started
        cpu = _cpu_seconds(proc.pid)
        if not line:
            raise SystemExit(f"samtale run printed nothing:\n{proc.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
        memory = {}
        if idle:
            time.sleep(idle)
            memory = _status(proc.pid)
        proc.stdin.close()
        proc.wait(timeout=30)
        return took, line.decode(errors="replace").strip(), memory, cpu
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="starts on the existing database (median counts)")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading the RSS")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="samtale-bench-footprint-")
    try:
        first, line, _, _ = start(folder)
        times, cpus = [], []
        memory: dict[str, float] = {}
        for i in range(args.starts):
            took, _, mem, cpu = start(folder, idle=args.idle if i == args.starts - 1 else 0.0)
            times.append(took)
            cpus.append(cpu)
            memory = mem or memory
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cold, cold_cpu = statistics.median(times), statistics.median(cpus)
    shown = shlex.join(_command())
    print(f"command: python -m bench.footprint --starts {args.starts} --idle {args.idle:g}")
    print(f"{machine()}, "
          f"load average {os.getloadavg()[0]:.1f}; child: {shown}")
    print(f"first line: {line[:70]!r}")
    print(f"first start (migrates a fresh database): {first:.2f} s to the first reply")
    print(f"cold start (existing database): median {cold:.2f} s of {len(times)} "
          f"({', '.join(f'{t:.2f}' for t in times)}); CPU median {cold_cpu:.2f} s   (bar ≤ {BAR_SECONDS:g} s)")
    print(f"idle after {args.idle:g} s: RSS {memory.get('VmRSS', 0):.0f} MB, peak {memory.get('VmHWM', 0):.0f} MB"
          f"   (bar ≤ {BAR_MB:g} MB)")
    return {"first_start_s": first, "cold_start_s": cold, "cold_starts": times, "cold_start_cpu_s": cold_cpu,
            "idle_rss_mb": memory.get("VmRSS"), "peak_rss_mb": memory.get("VmHWM")}


if __name__ == "__main__":
    main(sys.argv[1:])
