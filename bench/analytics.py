"""Benchmark: digests over many reflections on SQLite (generation timed separately).

Run:  python -m bench.analytics [--reflections 1000000] [--participants 50000] [--db PATH] [--reuse]
Generates N reflections spread over 2026 from P participants (texts built from a pool of sentences,
classified with the real lexicon, bulk-inserted with executemany), then times a weekly digest
(2026-W48), a yearly digest (2026) and `themes reclassify`-style classification throughput.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from bench import machine
from bot.app import build_app
from bot.config import Settings
from insights.digest import build_digest
from insights.periods import parse_period
from content.municipalities import regions
from content.people import AGE_BANDS
from engines.themes import load_lexicon
from storage.models import Participant, Reflection

SENTENCES = [
    "Jeg bor alene i en lejlighed og kender ingen af naboerne",
    "Huset er blevet stille efter min mand døde",
    "Vi er nyflyttede og kender ingen i opgangen",
    "Min søn sidder alene i frikvarteret i skolen",
    "Jeg er studerende og har ikke fundet venner på studiet",
    "Mit barn har ingen at lege med i børnehaven",
    "Jeg går til kor hver tirsdag og det redder min uge",
    "Fællesspisning i forsamlingshuset var en god oplevelse",
    "Strikkecaféen på biblioteket er mit faste holdepunkt",
    "Frivilligt arbejde gav mig nye venner",
    "På arbejdet snakker ingen med mig",
    "Jeg har været arbejdsløs i et år og føler mig udenfor",
    "Efter pensionen mangler jeg mine kolleger",
    "Hjemmeplejen er de eneste jeg ser i løbet af ugen",
    "Jeg har angst og tør ikke gå til arrangementer",
    "Efter jeg blev syg kommer der ingen på besøg",
    "Jeg føler mig alene om aftenen",
    "Weekenderne er de værste",
    "Det var rart at blive spurgt",
    "I moved here last year and I still do not know anyone",
    "Work is the only place I talk to people",
    "I joined a running club and it helped a lot",
    "Julen er hård når man er alene",
    "Bussen kører kun to gange om dagen",
    "Der burde være flere mødesteder for unge",
    "Jeg savner nogen at drikke kaffe med",
]
LANGS = ["da"] * 85 + ["en"] * 9 + ["ar", "uk", "tr", "pl", "so", "de"]
AGES = [b for b in AGE_BANDS if b != "u15"] + [None]


def generate(url: str, n: int, people: int, seed: int = 7) -> float:
    rnd = random.Random(seed)
    app = build_app(Settings.model_validate({"database": {"url": url, "synchronous": "NORMAL"}}))
    lexicon = load_lexicon()
    started = time.perf_counter()
    year = datetime(2026, 1, 1, tzinfo=timezone.utc)
    regs = [*regions(), None]
    with app.engine.begin() as conn:
        conn.execute(insert(Participant), [
            {"id": i + 1, "platform": "console", "external_id": f"p{i}", "created_at": year + timedelta(days=rnd.random() * 330),
             "language": "da", "age_band": rnd.choice(AGES), "municipality": None, "region": rnd.choice(regs),
             "quote_default": rnd.random() < 0.5, "role": "citizen", "consent_state": "given", "onboarded": True}
            for i in range(people)])
    classified: dict[str, list[str]] = {}
    batch = 50_000
    done = 0
    while done < n:
        rows = []
        for _ in range(min(batch, n - done)):
            a, b = rnd.sample(SENTENCES, 2)
            text = f"{a}. {b}."
            areas = classified.get(text)
            if areas is None:
                areas = classified[text] = lexicon.area_ids(text)
            rows.append({"participant_id": rnd.randrange(people) + 1, "text": text, "language": rnd.choice(LANGS),
                         "created_at": year + timedelta(seconds=rnd.random() * 365 * 86400),
                         "quotable": rnd.random() < 0.4, "crisis": rnd.random() < 0.002,
                         "hidden": rnd.random() < 0.001, "areas": areas, "prompt_id": None})
        with app.engine.begin() as conn:
            conn.execute(insert(Reflection), rows)
        done += len(rows)
    took = time.perf_counter() - started
    app.engine.dispose()
    return took


def add_data_args(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark over a generated database (this one and bench.export)."""
    parser.add_argument("--reflections", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--db", default=None, help="SQLite file (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="Use an existing --db without generating")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_args(parser)
    args = parser.parse_args(argv)
    path = args.db or os.path.join(tempfile.mkdtemp(prefix="samtale-bench-"), "bench.db")
    url = f"sqlite:///{path}"
    print(f"command: python -m bench.analytics --reflections {args.reflections} --participants {args.participants}"
          + (f" --db {args.db}" if args.db else "") + (" --reuse" if args.reuse else ""))
    print(f"{machine()}, SQLite file {path}")
    if not args.reuse:
        gen = generate(url, args.reflections, args.participants)
        print(f"generation: {args.reflections:,} reflections, {args.participants:,} participants in {gen:.1f} s "
              f"({args.reflections / gen:,.0f} rows/s)")
    app = build_app(Settings.model_validate({"database": {"url": url}}))
    figures: dict = {"cpu": {}}
    for pid in ("2026-W48", "2026"):
        started, cpu = time.perf_counter(), time.process_time()
        with app.sessions() as s:
            digest = build_digest(s, parse_period(pid))
        took = time.perf_counter() - started
        figures[pid] = took
        figures["cpu"][pid] = time.process_time() - cpu
        print(f"digest {pid}: {took:.2f} s ({figures['cpu'][pid]:.2f} s CPU) — {digest['totals']['reflections']} reflections, "
              f"{sum(not a['suppressed'] for a in digest['areas'])}/{len(digest['areas'])} areas shown, "
              f"{len(digest['emerging_terms'])} terms, {len(digest['quotes'])} quotes")
    lexicon = load_lexicon()
    texts = [f"{a}. {b} {i}." for i, (a, b) in enumerate(zip(SENTENCES * 800, reversed(SENTENCES * 800)))]
    started = time.perf_counter()
    for text in texts:
        lexicon.area_ids(text)
    rate = len(texts) / (time.perf_counter() - started)
    print(f"classification: {rate:,.0f} texts/s (the per-reflection cost on the hot path and in reclassify)")
    figures["classification_per_s"] = rate
    app.engine.dispose()
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
