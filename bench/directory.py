"""Benchmark: /faellesskaber's search over a large directory (bar: ≤ 50 ms p95 over 20,000 services).

Run:  python -m bench.directory [--services 20000] [--searches 300] [--db sqlite|postgres|both]

Seeds `--services` services, each meeting at one location in one of the 98 municipalities (about 200 a
municipality), and 50 national ones with weekly schedules, all verified; then times `search` for a random
municipality, with and without an area and a target group, as the handler calls it (one session each).
Prints p50 and p95 in milliseconds per database.
"""
from __future__ import annotations

import argparse
import random
import shlex
import statistics
import sys
import tempfile
import time
from datetime import date

from sqlalchemy import insert

from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from content.hsds import AREAS, TARGET_GROUPS
from content.municipalities import load_municipalities
from storage.directory_models import DirLocation, DirOrganisation, DirSchedule, DirService, DirServiceLocation
from storage.directory_queries import search, with_details

TODAY = date(2026, 12, 5)


def seed(app, services: int) -> list[str]:
    codes = [f"{m.code:03d}" for m in load_municipalities()]
    rnd = random.Random(7)
    with app.sessions() as s:
        s.add(DirOrganisation(id="org", name="Bench"))
        s.flush()
        rows, locs, links, scheds = [], [], [], []
        for i in range(services + 50):
            rows.append({"id": f"s{i}", "organisation_id": "org", "name": f"Tilbud {i}", "status": "active",
                         "last_verified": TODAY, "areas": rnd.sample(AREAS, 2),
                         "target_groups": rnd.sample(TARGET_GROUPS, 2), "languages": [],
                         "accepts_referrals": False, "source_url": "https://example.org",
                         "national": i >= services})
            scheds.append({"id": f"sc{i}", "service_id": f"s{i}", "rrule": "FREQ=WEEKLY;BYDAY=TU",
                           "dtstart": date(2026, 1, 6)})
            if i < services:
                locs.append({"id": f"l{i}", "municipality_code": codes[i % len(codes)], "postal_code": "8000"})
                links.append({"id": f"a{i}", "service_id": f"s{i}", "location_id": f"l{i}"})
        for model, data in ((DirService, rows), (DirLocation, locs), (DirServiceLocation, links),
                            (DirSchedule, scheds)):
            s.execute(insert(model), data)
        s.commit()
    return codes


def measure(app, codes: list[str], searches: int) -> dict[str, float]:
    rnd = random.Random(11)
    took = []
    for n in range(searches):
        area = rnd.choice(AREAS) if n % 2 else None
        group = rnd.choice(TARGET_GROUPS) if n % 3 == 0 else None
        started = time.perf_counter()
        with app.sessions() as s:
            found = search(s, today=TODAY, municipality_code=rnd.choice(codes), area=area, group=group)
            with_details(s, found[:3])  # the page a person sees
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {"p50_ms": statistics.median(took), "p95_ms": took[int(len(took) * 0.95) - 1]}


def run(url: str, services: int, searches: int) -> dict[str, float]:
    app = build_app(Settings.model_validate({"database": {"url": url}}))
    try:
        codes = seed(app, services)
        measure(app, codes, 20)  # warm caches and the ORM's compiled statements
        return measure(app, codes, searches)
    finally:
        app.engine.dispose()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=20000)
    p.add_argument("--searches", type=int, default=300)
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    args = p.parse_args(argv)
    figures: dict[str, dict[str, float]] = {}
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            figures["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.services, args.searches)
    if args.db in ("postgres", "both"):
        url, drop = throwaway_database()
        try:
            figures["postgres"] = run(url, args.services, args.searches)
        finally:
            drop()
    for db, f in figures.items():
        print(f"{db}: search over {args.services:,} services: p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms "
              f"(bar ≤ 50 ms p95)")
    print("command: python -m bench.directory " + shlex.join(sys.argv[1:] if argv is None else argv))
    return {"services": args.services, **figures}


if __name__ == "__main__":
    main()
