"""Scaling: the cost per item of ingest and of the weekly digest as the store grows (10k → 100k → 1M).

Run:  python -m bench.scaling [--sizes 10000 100000 1000000] [--db sqlite|postgres|both]
                              [--people 200] [--each 10] [--week-rows 2000] [--repeat 3]

One database per engine grows in steps to each size of stored reflections (with one participant per
20 reflections and one processed-message key per reflection, as real traffic leaves them). The rows
are made by the database itself (a recursive CTE on SQLite, generate_series on PostgreSQL) from
texts classified once with the real lexicon, so a million rows take seconds, not minutes. At each size:

- ingest: `--people` new participants write `--each` reflections each, at once, through the real
  dispatcher (group commit, durable: SQLite synchronous=FULL) — seconds per reflection;
- digest: the weekly digest of 2026-W10, whose week and the week before always hold `--week-rows`
  reflections each, whatever the size (the rest of the store lies outside them) — seconds per
  reflection read. The work stays the same; only what is stored around it grows.

Each figure is the best of `--repeat` runs (the machine is shared; the best run is the least
disturbed). The bar (issue 10): per-item cost at the largest size ÷ at the smallest ≤ 1.5.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
import tempfile
import time
from datetime import datetime, timezone

from sqlalchemy import func, select, text

from bench import machine
from bench.analytics import AGES, LANGS, SENTENCES
from bench.ingest import drive, seed
from bench.pgdb import throwaway_database
from bot.app import build_app
from bot.config import Settings
from insights.digest import build_digest
from insights.periods import parse_period
from content.municipalities import regions
from engines.crisis import warm_up
from handlers.core.flood import Limits
from engines.themes import load_lexicon
from storage.models import Participant, Reflection

BAR = 1.5
PERIOD = "2026-W10"  # 2026-03-02 … 2026-03-08; the week before is 2026-W09
WEEKS_START = datetime(2026, 2, 22, 23, tzinfo=timezone.utc)  # Copenhagen midnight starting 2026-W09
WEEK = 7 * 86400
# Everything else lies here, before the two weeks: 2025-01-01 … 2026-02-15.
BACKGROUND_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
BACKGROUND_SPAN = int((datetime(2026, 2, 15, tzinfo=timezone.utc) - BACKGROUND_START).total_seconds())
PER_PERSON = 20  # stored reflections per participant


def _texts() -> list[tuple[str, str]]:
    """(text, areas JSON) for every pair of sentences, classified once with the real lexicon."""
    lexicon = load_lexicon()
    out = []
    for a in SENTENCES:
        for b in SENTENCES:
            if a != b:
                t = f"{a}. {b}."
                out.append((t, json.dumps(lexicon.area_ids(t))))
    return out


class Store:
    """A migrated database of one engine that grows to a given number of stored reflections."""

    def __init__(self, db: str, tmp: str) -> None:
        self.db = db
        self.cleanup = None
        if db == "sqlite":
            url = f"sqlite:///{tmp}/scaling.db"
        else:
            url, self.cleanup = throwaway_database()
        self.app = build_app(Settings.model_validate({"database": {"url": url, "synchronous": "FULL"}}))
        self.app.dispatcher.flood.limits = Limits(10**9, 10**9, 10**9, 10**9)
        warm_up()  # the crisis lexicon compiles once per process (~1.5 s; `samtale run` does it at start)
        self.stored = 0
        self.runs = 0
        self._lookups()

    @property
    def sqlite(self) -> bool:
        return self.db == "sqlite"

    def _lookups(self) -> None:
        """Small tables the generating SQL picks from by a random index."""
        texts = _texts()
        json_type = "TEXT" if self.sqlite else "JSON"
        with self.app.engine.begin() as c:
            for name, cols, rows in (
                ("bench_texts", f"i INTEGER PRIMARY KEY, text TEXT, areas {json_type}", texts),
                ("bench_langs", "i INTEGER PRIMARY KEY, lang TEXT", [(x,) for x in LANGS]),
                ("bench_ages", "i INTEGER PRIMARY KEY, age TEXT", [(x,) for x in AGES]),
                ("bench_regions", "i INTEGER PRIMARY KEY, region TEXT", [(x,) for x in [*regions(), None]]),
            ):
                c.execute(text(f"CREATE TABLE {name} ({cols})"))
                values = ", ".join(f":v{j}" for j in range(len(rows[0])))
                c.execute(text(f"INSERT INTO {name} VALUES (:i, {values})"),
                          [{"i": i, **{f"v{j}": v for j, v in enumerate(row)}} for i, row in enumerate(rows)])
            self.n = {"texts": len(texts), "langs": len(LANGS), "ages": len(AGES), "regions": len(regions()) + 1}

    def _participants(self, c, upto: int) -> None:  # noqa: ANN001
        first = (c.scalar(select(func.max(Participant.id))) or 0) + 1
        if upto < first:
            return
        p = {"first": first, "last": upto, "ages": self.n["ages"], "regions": self.n["regions"]}
        if self.sqlite:
            c.execute(text("""
                WITH RECURSIVE n(x) AS (SELECT :first UNION ALL SELECT x + 1 FROM n WHERE x < :last)
                INSERT INTO participants (id, platform, external_id, created_at, language, age_band, municipality,
                                          region, quote_default, role, consent_state, onboarded, record_key)
                SELECT x, 'console', 'p' || x, '2025-01-01 00:00:00.000000', 'da',
                       (SELECT age FROM bench_ages WHERE i = x % :ages), NULL,
                       (SELECT region FROM bench_regions WHERE i = x % :regions), x % 2, 'citizen', 'given', 1,
                       abs(random()) % 1073741824
                FROM n"""), p)
        else:
            c.execute(text("""
                INSERT INTO participants (id, platform, external_id, created_at, language, age_band, municipality,
                                          region, quote_default, role, consent_state, onboarded, record_key)
                SELECT x, 'console', 'p' || x, '2025-01-01 00:00:00+00', 'da',
                       (SELECT age FROM bench_ages WHERE i = x % :ages), NULL,
                       (SELECT region FROM bench_regions WHERE i = x % :regions), x % 2 = 1, 'citizen', 'given', true,
                       CAST(floor(random() * 1073741824) AS int)
                FROM generate_series(CAST(:first AS int), CAST(:last AS int)) AS x"""), p)
            c.execute(text("SELECT setval('participants_id_seq', (SELECT max(id) FROM participants))"))

    def _reflections(self, c, count: int, start: datetime, span: int) -> None:  # noqa: ANN001
        people = c.scalar(select(func.max(Participant.id)))
        p = {"count": count, "start": int(start.timestamp()), "span": span, "people": people,
             "texts": self.n["texts"], "langs": self.n["langs"]}
        if self.sqlite:
            c.execute(text("""
                WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count),
                r AS MATERIALIZED (
                    SELECT abs(random()) % :texts AS ti, abs(random()) % :langs AS li, abs(random()) % :span AS sec,
                           abs(random()) % :people AS pi, abs(random()) % 1000 AS q, abs(random()) % 1000 AS cr,
                           abs(random()) % 1000 AS h FROM n)
                INSERT INTO reflections (participant_id, text, language, created_at, quotable, crisis, hidden, areas)
                SELECT r.pi + 1, t.text, l.lang,
                       strftime('%Y-%m-%d %H:%M:%S', :start + r.sec, 'unixepoch') || '.000000',
                       r.q < 400, r.cr < 2, r.h < 1, t.areas
                FROM r JOIN bench_texts t ON t.i = r.ti JOIN bench_langs l ON l.i = r.li"""), p)
            c.execute(text("""
                WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count)
                INSERT INTO processed_messages (key, processed_at)
                SELECT lower(hex(randomblob(32))), '2025-06-01 00:00:00.000000' FROM n"""), {"count": count})
        else:
            c.execute(text("""
                WITH r AS MATERIALIZED (
                    SELECT floor(random() * :texts)::int AS ti, floor(random() * :langs)::int AS li,
                           floor(random() * :span)::int AS sec, floor(random() * :people)::int AS pi,
                           random() AS q, random() AS cr, random() AS h
                    FROM generate_series(1, CAST(:count AS int)))
                INSERT INTO reflections (participant_id, text, language, created_at, quotable, crisis, hidden, areas)
                SELECT r.pi + 1, t.text, l.lang, to_timestamp(:start + r.sec), r.q < 0.4, r.cr < 0.002, r.h < 0.001,
                       t.areas
                FROM r JOIN bench_texts t ON t.i = r.ti JOIN bench_langs l ON l.i = r.li"""), p)
            c.execute(text("""
                INSERT INTO processed_messages (key, processed_at)
                SELECT md5(random()::text || g) || md5(random()::text || g), '2025-06-01 00:00:00+00'
                FROM generate_series(1, CAST(:count AS int)) AS g"""), {"count": count})

    def grow(self, size: int, week_rows: int) -> float:
        """Add reflections until `size` are stored; returns the seconds it took."""
        started = time.perf_counter()
        with self.app.engine.begin() as c:
            stored = c.scalar(select(func.count()).select_from(Reflection))
            self._participants(c, max(size // PER_PERSON, 10))
            if stored == 0:
                for w in range(2):  # 2026-W09 and 2026-W10, the digest's weeks: the same rows at every size
                    self._reflections(c, week_rows, datetime.fromtimestamp(WEEKS_START.timestamp() + w * WEEK,
                                                                           timezone.utc), WEEK)
                stored = 2 * week_rows
            if size > stored:
                self._reflections(c, size - stored, BACKGROUND_START, BACKGROUND_SPAN)
        if not self.sqlite:
            with self.app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))  # what autovacuum does after a bulk load
        with self.app.sessions() as s:
            self.stored = s.scalar(select(func.count()).select_from(Reflection))
        return time.perf_counter() - started

    def ingest(self, people: int, each: int) -> float:
        """Seconds per reflection for `people` new participants writing `each` reflections at once."""
        self.runs += 1
        prefix = f"s{self.runs}-"
        seed(self.app, people, prefix)
        seconds = asyncio.run(drive(self.app, people, each, prefix))
        with self.app.sessions() as s:
            stored = s.scalar(select(func.count()).select_from(Reflection).join(Participant)
                              .where(Participant.external_id.like(f"{prefix}%")))
        assert stored == people * each, f"stored {stored} of {people * each}"
        return seconds / (people * each)

    def digest(self) -> tuple[float, int]:
        """(seconds per reflection read, reflections read) for the weekly digest of PERIOD."""
        period = parse_period(PERIOD)
        started = time.perf_counter()
        with self.app.sessions() as s:
            build_digest(s, period)
        seconds = time.perf_counter() - started
        with self.app.sessions() as s:
            rows = s.scalar(select(func.count()).select_from(Reflection).where(
                Reflection.created_at >= period.previous().start, Reflection.created_at < period.end,
                Reflection.hidden.is_(False)))
        return seconds / max(rows, 1), rows

    def close(self) -> None:
        self.app.engine.dispose()
        if self.cleanup:
            self.cleanup()


def run(db: str, sizes: list[int], people: int, each: int, week_rows: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(db, tmp)
        try:
            steps = []
            for size in sizes:
                grown = store.grow(size, week_rows)
                ingest = min(store.ingest(people, each) for _ in range(repeat))
                digests = [store.digest() for _ in range(max(repeat, 5))]  # a tenth of a second each
                digest, read = min(digests)
                steps.append({"size": size, "stored": store.stored, "grow_seconds": round(grown, 1),
                              "ingest_ms_per_item": ingest * 1000, "digest_ms_per_item": digest * 1000,
                              "digest_rows": read})
                print(f"  {db:<8} {store.stored:>9,} stored (made in {grown:5.1f} s): ingest "
                      f"{ingest * 1e3:6.3f} ms/reflection ({1 / ingest:6.0f}/s), weekly digest "
                      f"{digest * 1e3:6.3f} ms/reflection ({read:,} read, {digest * read:5.2f} s)", flush=True)
        finally:
            store.close()
    first, last = steps[0], steps[-1]
    return {
        "db": db, "steps": steps,
        "ingest_ratio": last["ingest_ms_per_item"] / first["ingest_ms_per_item"],
        "digest_ratio": last["digest_ms_per_item"] / first["digest_ms_per_item"],
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--people", type=int, default=200, help="people writing at once in each ingest run")
    parser.add_argument("--each", type=int, default=10, help="reflections each of them writes")
    parser.add_argument("--week-rows", type=int, default=2_000,
                        help="reflections in each of the digest's two weeks (at most half the smallest size)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    if 2 * args.week_rows > sizes[0]:
        parser.error("--week-rows must be at most half the smallest size")
    argv_shown = argv if argv is not None else sys.argv[1:]
    print("command: python -m bench.scaling " + " ".join(shlex.quote(a) for a in argv_shown))
    print(f"{machine()}, "
          f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat} runs per figure")
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run(db, sizes, args.people, args.each, args.week_rows, args.repeat) for db in dbs]
    for r in results:
        for what in ("ingest", "digest"):
            ratio = r[f"{what}_ratio"]
            print(f"scaling {r['db']:<8} {what}: per-item cost at {sizes[-1]:,} ÷ at {sizes[0]:,} = {ratio:.2f}"
                  f"   (bar ≤ {BAR}: {'met' if ratio <= BAR else 'NOT met'})")
    return results


if __name__ == "__main__":
    main()
