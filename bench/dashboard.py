"""Benchmark: the dashboard's overview and themes pages over many reflections (SQLite), p50 and p95.

Run:  python -m bench.dashboard [--reflections 1000000] [--participants 50000] [--db PATH] [--reuse] [--runs 20]
Generates the data as bench.analytics does (2026), logs a facilitator in through a one-time link and
times GET /overview and GET /themes in-process (Starlette's TestClient: no network), as of 27 Nov 2026:
the first request (cold: computed) apart from the rest (served from the 5-minute page cache).
Needs the test extra (httpx2, for the TestClient). Bars (issue 17): overview p95 <= 300 ms, themes <= 500 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone

from bench import machine
from bench.analytics import add_data_args, generate
from bot.app import build_app
from bot.config import Settings
from bot.web.app import create_app
from storage.dashboard_queries import Who, issue_link

NOW = datetime(2026, 11, 27, 10, tzinfo=timezone.utc)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> dict:
    from starlette.testclient import TestClient  # the test extra; only this benchmark needs it

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_args(parser)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    path = args.db or os.path.join(tempfile.mkdtemp(prefix="samtale-bench-"), "bench.db")
    url = f"sqlite:///{path}"
    print(f"command: python -m bench.dashboard --reflections {args.reflections} --participants {args.participants}"
          f" --runs {args.runs}" + (f" --db {args.db}" if args.db else "") + (" --reuse" if args.reuse else ""))
    print(f"{machine()}, SQLite file {path}")
    if not args.reuse:
        generate(url, args.reflections, args.participants)
    settings = Settings.model_validate({"database": {"url": url}, "roles": {"facilitators": ["console:bench"]},
                                        "web": {"enabled": True}})
    app = build_app(settings, clock=lambda: NOW)
    with app.sessions() as s:
        token = issue_link(s, Who("facilitator", identity="console:bench"), "da", NOW)
        s.commit()
    web = TestClient(create_app(settings, app.sessions, lambda: NOW), follow_redirects=False)
    web.get(f"/login/{token}")
    assert web.post(f"/login/{token}").status_code == 303
    figures: dict = {}
    for page in ("/overview", "/themes"):
        took = []
        for _ in range(args.runs):
            started = time.perf_counter()
            answer = web.get(page)
            took.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.status_code
        # The first request computes (cold); the others, within the 5-minute cache, only render.
        cold, warm = took[0], took[1:] or took
        figures[page] = {"cold_ms": 1000 * cold, "p50_ms": 1000 * statistics.median(warm), "p95_ms": 1000 * _p(warm, 0.95)}
        print(f"GET {page}: cold {figures[page]['cold_ms']:.0f} ms; cached p50 {figures[page]['p50_ms']:.0f} ms, "
              f"p95 {figures[page]['p95_ms']:.0f} ms over {len(warm)} runs ({len(answer.content):,} bytes)")
    app.engine.dispose()
    return figures


if __name__ == "__main__":
    main()
