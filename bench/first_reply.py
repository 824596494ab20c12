"""First reply after start: how long the first message to a freshly started bot waits for its answer.

Run:  python -m bench.first_reply [--starts 5]

Each start is a new process (nothing compiled or cached in memory) that does what `samtale run` does
before it takes messages — builds the app on a SQLite file and starts the crisis lexicon's warm-up
(bot/runner.py) — and then at once hands the console a message and times it until its reply is
rendered. A message passes the crisis check before anything else, so it waits for whatever of the
lexicon is not ready yet. The first start has an empty cache folder (the lexicon is compiled, then
prepared on disk) and is shown apart; the figure is the median of the later starts, which load it.
Bar (issue 16): first reply after start ≤ 0.5 s.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench import machine

BAR_SECONDS = 0.5
MESSAGE = "Jeg har haft en lang og stille dag, og jeg savner nogen at tale med."


async def _one(folder: str) -> dict:
    """In the child: start as `samtale run` does, then time the first message."""
    from bot.app import build_app
    from bot.config import Settings
    from bot.platforms.console import Console
    from bot.runner import _warm_crisis_lexicon

    app = build_app(Settings.model_validate({"database": {"url": f"sqlite:///{folder}/samtale.db"},
                                             "console": {"download_dir": folder}}))
    failures = _warm_crisis_lexicon(asyncio.get_running_loop(), None)
    out = io.StringIO()
    console = Console(app.dispatcher, "bench", out=out, download_dir=folder)
    started = time.perf_counter()
    await console.send(MESSAGE)
    took = time.perf_counter() - started
    app.engine.dispose()
    if failures:
        raise SystemExit(f"the crisis lexicon did not load: {failures[0]}")
    return {"seconds": took, "reply": out.getvalue().strip().splitlines()[0]}


def start(folder: str, cache: str) -> dict:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SAMTALE_")}, "SAMTALE_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, "-m", "bench.first_reply", "--child", folder], env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="starts with the lexicon prepared (median counts)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(_one(args.child))))
        return {}
    folder = tempfile.mkdtemp(prefix="samtale-bench-first-reply-")
    try:
        cache = os.path.join(folder, "cache")
        first = start(folder, cache)
        times = [start(folder, cache)["seconds"] for _ in range(args.starts)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    median = statistics.median(times)
    print(f"command: python -m bench.first_reply --starts {args.starts}")
    print(f"{machine()}, load average {os.getloadavg()[0]:.1f}")
    print(f"reply: {first['reply'][:70]!r}")
    print(f"first start, empty cache (compiles the lexicon): {first['seconds']:.2f} s to the first reply")
    print(f"first reply after start (lexicon prepared): median {median:.3f} s of {len(times)} "
          f"({', '.join(f'{t:.3f}' for t in times)})   (bar ≤ {BAR_SECONDS:g} s)")
    return {"first_reply_s": median, "first_replies": times, "first_reply_uncached_s": first["seconds"]}


if __name__ == "__main__":
    main(sys.argv[1:])
